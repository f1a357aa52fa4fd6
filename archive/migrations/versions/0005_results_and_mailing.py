"""results and mailing

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.Column('ems_no', sa.String(length=30), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signed_by', sa.String(length=100), nullable=False),
    sa.Column('returned', sa.Boolean(), nullable=False),
    sa.Column('tracking_sha256', sa.String(length=64), nullable=True),
    sa.Column('tracking_filename', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ),
    sa.ForeignKeyConstraint(['tracking_sha256'], ['blobs.sha256'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ems_no')
    )
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailings_sampling_id'), ['sampling_id'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('applicant', sa.String(length=500), nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_sampling_id'), ['sampling_id'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('sampling_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('firm_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    with op.batch_alter_table('samplings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('result_items', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('result_remarks', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('lab_report_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lab_report_filename', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('result_by', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('result_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_samplings_lab_report', 'blobs', ['lab_report_sha256'], ['sha256'])



def downgrade() -> None:
    with op.batch_alter_table('samplings', schema=None) as batch_op:
        batch_op.drop_constraint('fk_samplings_lab_report', type_='foreignkey')
        batch_op.drop_column('result_at')
        batch_op.drop_column('result_by')
        batch_op.drop_column('lab_report_filename')
        batch_op.drop_column('lab_report_sha256')
        batch_op.drop_column('result_remarks')
        batch_op.drop_column('result_items')
        batch_op.drop_column('report_date')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('firm_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('sampling_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_sampling_id'))

    op.drop_table('objections')
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailings_sampling_id'))

    op.drop_table('mailings')
