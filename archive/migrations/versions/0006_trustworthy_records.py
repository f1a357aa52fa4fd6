"""trustworthy records: samplings keep their firm as recorded, register history, corrections,
index marks, session versions, job owners

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

FIRM_KEYS = ("name", "credit_code", "address", "postal_code", "legal_rep", "contact", "phone",
             "role")


def upgrade() -> None:
    op.create_table('firm_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('firm_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_firm_changes_firm_id'), ['firm_id'], unique=False)

    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrections_sampling_id'), ['sampling_id'],
                              unique=False)

    op.create_table('run_samplings',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['generation_runs.id'], ),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ),
    sa.PrimaryKeyConstraint('run_id', 'sampling_id')
    )
    # the firms finished by earlier runs are those with a document of the run
    op.execute("INSERT INTO run_samplings (run_id, sampling_id) SELECT DISTINCT run_id, "
               "sampling_id FROM documents WHERE run_id IS NOT NULL AND sampling_id IS NOT NULL")

    with op.batch_alter_table('samplings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm_record', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('maker_record', sa.JSON(), nullable=True))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        # every existing document is checked against the index once (caught up if missing)
        batch_op.add_column(sa.Column('indexed', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_index('ix_users_username_lower', [sa.text('lower(username)')],
                              unique=True)
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=sa.String(length=10),
                              type_=sa.String(length=12), existing_nullable=False)
        batch_op.add_column(sa.Column('owner', sa.String(length=100), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('heartbeat', sa.DateTime(), nullable=True))

    # Each existing sampling keeps the firm and producer as the register holds them now: the
    # best record there is of what was recorded at the visit.
    bind = op.get_bind()
    firms = sa.table('firms', sa.column('id', sa.Integer),
                     *(sa.column(k, sa.String) for k in FIRM_KEYS))
    samplings = sa.table('samplings', sa.column('id', sa.Integer), sa.column('firm_id', sa.Integer),
                         sa.column('manufacturer_id', sa.Integer),
                         sa.column('firm_record', sa.JSON), sa.column('maker_record', sa.JSON))
    by_id = {row.id: {k: getattr(row, k) or "" for k in FIRM_KEYS}
             for row in bind.execute(sa.select(firms))}
    for row in bind.execute(sa.select(samplings.c.id, samplings.c.firm_id,
                                      samplings.c.manufacturer_id)).all():
        bind.execute(samplings.update().where(samplings.c.id == row.id).values(
            firm_record=by_id.get(row.firm_id, sa.null()),
            maker_record=by_id.get(row.manufacturer_id) if row.manufacturer_id else sa.null()))


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat')
        batch_op.drop_column('owner')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_username_lower')
        batch_op.drop_column('session_version')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('indexed')
    with op.batch_alter_table('samplings', schema=None) as batch_op:
        batch_op.drop_column('maker_record')
        batch_op.drop_column('firm_record')
    op.drop_table('run_samplings')
    op.drop_table('corrections')
    op.drop_table('firm_changes')
