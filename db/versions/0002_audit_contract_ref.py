"""Audit rows name their contract, so a contract's history is one indexed query.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_ref", sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_log_contract_ref"), ["contract_ref"], unique=False
        )
    # Fill the new column for rows written before it existed: the key starts with the reference.
    op.execute(
        "UPDATE audit_log SET contract_ref = entity_key "
        "WHERE entity = 'Contract' AND contract_ref IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_contract_ref"))
        batch_op.drop_column("contract_ref")
