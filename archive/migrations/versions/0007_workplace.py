"""the web workplace: the agency's level and which agency is ours, retired samplers, withdrawn
photos, the EMS number a document prints

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=10), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('own', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('samplers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=100), server_default='',
                                      nullable=False))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ems_no', sa.String(length=30), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('ems_no')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('samplers', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('own')
        batch_op.drop_column('level')
