"""The first schema: every entity of SPEC §1 and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import ExactDecimal

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_key', sa.String(length=400), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('insert', 'update', 'delete')", name=op.f('ck_audit_log_action')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('leaves_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint('email IS NULL OR length(trim(email)) > 0', name=op.f('ck_people_email_not_blank')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_people_name_not_blank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    op.create_index(
        "uq_people_key", "people", [sa.text("coalesce(email, name)")], unique=True
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.CheckConstraint("key IN ('understanding_level', 'stale_after_months', 'leaving_window_days', 'truck_threshold')", name=op.f('ck_settings_known_key')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('vendors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_vendors_name_not_blank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendors')),
    sa.UniqueConstraint('name', name=op.f('uq_vendors_name'))
    )
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('initial_term_months', sa.Integer(), nullable=True),
    sa.Column('renewal', sa.String(length=12), nullable=False),
    sa.Column('renewal_term_months', sa.Integer(), nullable=True),
    sa.Column('max_renewals', sa.Integer(), nullable=True),
    sa.Column('options_exercised', sa.Integer(), nullable=False),
    sa.Column('notice_value', sa.Integer(), nullable=False),
    sa.Column('notice_unit', sa.String(length=8), nullable=False),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('annual_value', ExactDecimal(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('credit_cap_percent', ExactDecimal(), nullable=True),
    sa.Column('credit_claim_days', sa.Integer(), nullable=False),
    sa.Column('reminder_days', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint("notice_unit IN ('days', 'weeks', 'months')", name=op.f('ck_contracts_notice_unit')),
    sa.CheckConstraint("options_exercised = 0 OR renewal = 'option'", name=op.f('ck_contracts_options_only_for_option')),
    sa.CheckConstraint("renewal IN ('none', 'auto', 'option', 'evergreen')", name=op.f('ck_contracts_renewal_type')),
    sa.CheckConstraint("renewal NOT IN ('auto', 'option') OR renewal_term_months IS NOT NULL", name=op.f('ck_contracts_renewal_term_required')),
    sa.CheckConstraint('annual_value IS NULL OR CAST(annual_value AS REAL) >= 0', name=op.f('ck_contracts_annual_value')),
    sa.CheckConstraint('credit_cap_percent IS NULL OR CAST(credit_cap_percent AS REAL) >= 0', name=op.f('ck_contracts_credit_cap_percent')),
    sa.CheckConstraint('credit_claim_days >= 0', name=op.f('ck_contracts_credit_claim_days')),
    sa.CheckConstraint('initial_term_months IS NULL OR initial_term_months >= 1', name=op.f('ck_contracts_initial_term')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_contracts_currency_code')),
    sa.CheckConstraint('length(trim(reference)) > 0', name=op.f('ck_contracts_reference_not_blank')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_contracts_title_not_blank')),
    sa.CheckConstraint('max_renewals IS NULL OR max_renewals >= 0', name=op.f('ck_contracts_max_renewals')),
    sa.CheckConstraint('max_renewals IS NULL OR options_exercised <= max_renewals', name=op.f('ck_contracts_options_within_max')),
    sa.CheckConstraint('notice_value >= 0', name=op.f('ck_contracts_notice_value')),
    sa.CheckConstraint('options_exercised >= 0', name=op.f('ck_contracts_options_exercised')),
    sa.CheckConstraint('renewal_term_months IS NULL OR renewal_term_months >= 1', name=op.f('ck_contracts_renewal_term')),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_contracts_owner_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_contracts_vendor_id_vendors'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('reference', name=op.f('uq_contracts_reference'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('clauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('criticality', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IS NULL OR category IN ('scope', 'service levels', 'pricing', 'term and renewal', 'termination', 'exit and transition', 'liability', 'data protection', 'security', 'intellectual property', 'audit rights', 'change control', 'other')", name=op.f('ck_clauses_category')),
    sa.CheckConstraint('criticality BETWEEN 1 AND 5', name=op.f('ck_clauses_criticality')),
    sa.CheckConstraint('length(trim(number)) > 0', name=op.f('ck_clauses_number_not_blank')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_clauses_title_not_blank')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_clauses_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clauses')),
    sa.UniqueConstraint('contract_id', 'number', name=op.f('uq_clauses_contract_id'))
    )
    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount', ExactDecimal(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.CheckConstraint('amount IS NULL OR CAST(amount AS REAL) >= 0', name=op.f('ck_credit_notes_amount')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_credit_notes_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_notes_contract_id'), ['contract_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.CheckConstraint('length(trim(filename)) > 0', name=op.f('ck_documents_filename_not_blank')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_documents_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_contract_id'), ['contract_id'], unique=False)

    op.create_table('slas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('target', ExactDecimal(), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('credit_percent', ExactDecimal(), nullable=False),
    sa.CheckConstraint("direction IN ('higher', 'lower')", name=op.f('ck_slas_direction')),
    sa.CheckConstraint("period IN ('monthly', 'quarterly')", name=op.f('ck_slas_period')),
    sa.CheckConstraint('credit_percent IS NULL OR CAST(credit_percent AS REAL) >= 0', name=op.f('ck_slas_credit_percent')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_slas_name_not_blank')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_slas_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slas')),
    sa.UniqueConstraint('contract_id', 'name', name=op.f('uq_slas_contract_id'))
    )
    op.create_table('knowledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_knowledge_level')),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_knowledge_clause_id_clauses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_knowledge_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge')),
    sa.UniqueConstraint('person_id', 'clause_id', name=op.f('uq_knowledge_person_id'))
    )
    with op.batch_alter_table('knowledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_clause_id'), ['clause_id'], unique=False)

    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sla_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('value', ExactDecimal(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['sla_id'], ['slas.id'], name=op.f('fk_measurements_sla_id_slas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements')),
    sa.UniqueConstraint('sla_id', 'period_start', name=op.f('uq_measurements_sla_id'))
    )


def downgrade() -> None:
    op.drop_index("uq_people_key", table_name="people")
    op.drop_table('measurements')
    op.drop_table('knowledge')
    op.drop_table('slas')
    op.drop_table('documents')
    op.drop_table('credit_notes')
    op.drop_table('clauses')
    op.drop_table('contracts')
    op.drop_table('vendors')
    op.drop_table('settings')
    op.drop_table('people')
    op.drop_table('audit_log')
