"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('cma_no', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'name')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('counters',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('legal_rep', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credit_code')
    )
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_firms_name'), ['name'], unique=False)

    op.create_table('generation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=60), nullable=False),
    sa.Column('blank', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('samplers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_no', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'id_no')
    )
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('plan_doc_no', sa.String(length=100), nullable=False),
    sa.Column('product_category', sa.String(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('result_due', sa.Date(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('samplings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_no', sa.String(length=40), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('manufacturer_id', sa.Integer(), nullable=True),
    sa.Column('trip_date', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('product', sa.JSON(), nullable=False),
    sa.Column('product_name', sa.String(length=300), nullable=False),
    sa.Column('batch', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.JSON(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('sampled_at', sa.DateTime(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('seal', sa.JSON(), nullable=False),
    sa.Column('send_to', sa.String(length=300), nullable=False),
    sa.Column('send_by', sa.Date(), nullable=True),
    sa.Column('online', sa.JSON(), nullable=True),
    sa.Column('refusal', sa.JSON(), nullable=True),
    sa.Column('no_sample', sa.JSON(), nullable=True),
    sa.Column('notice_no', sa.String(length=100), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('report_no', sa.String(length=100), nullable=False),
    sa.Column('ems_no', sa.String(length=30), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], ),
    sa.ForeignKeyConstraint(['manufacturer_id'], ['firms.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sample_no')
    )
    with op.batch_alter_table('samplings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_samplings_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_ems_no'), ['ems_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_manufacturer_id'), ['manufacturer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_notice_no'), ['notice_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_product_name'), ['product_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_report_no'), ['report_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_samplings_task_id'), ['task_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sa.String(length=30), nullable=False),
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=30), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('blank', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['generation_runs.id'], ),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], ),
    sa.ForeignKeyConstraint(['supersedes_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('doc_no'),
    sa.UniqueConstraint('sampling_id', 'form', 'format', 'blank', 'version')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sampling_id'), ['sampling_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_task_id'), ['task_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('print_sha256', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['original_sha256'], ['blobs.sha256'], ),
    sa.ForeignKeyConstraint(['print_sha256'], ['blobs.sha256'], ),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_sampling_id'), ['sampling_id'], unique=False)

    op.create_table('sampling_samplers',
    sa.Column('sampling_id', sa.Integer(), nullable=False),
    sa.Column('sampler_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sampler_id'], ['samplers.id'], ),
    sa.ForeignKeyConstraint(['sampling_id'], ['samplings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sampling_id', 'sampler_id')
    )


def downgrade() -> None:
    op.drop_table('sampling_samplers')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_sampling_id'))

    op.drop_table('photos')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_task_id'))
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_sampling_id'))
        batch_op.drop_index(batch_op.f('ix_documents_run_id'))
        batch_op.drop_index(batch_op.f('ix_documents_firm_id'))

    op.drop_table('documents')
    with op.batch_alter_table('samplings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_samplings_task_id'))
        batch_op.drop_index(batch_op.f('ix_samplings_report_no'))
        batch_op.drop_index(batch_op.f('ix_samplings_product_name'))
        batch_op.drop_index(batch_op.f('ix_samplings_notice_no'))
        batch_op.drop_index(batch_op.f('ix_samplings_manufacturer_id'))
        batch_op.drop_index(batch_op.f('ix_samplings_firm_id'))
        batch_op.drop_index(batch_op.f('ix_samplings_ems_no'))
        batch_op.drop_index(batch_op.f('ix_samplings_batch'))

    op.drop_table('samplings')
    op.drop_table('tasks')
    op.drop_table('samplers')
    op.drop_table('generation_runs')
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_firms_name'))

    op.drop_table('firms')
    op.drop_table('counters')
    op.drop_table('blobs')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('agencies')
