"""Team use: a version number on every record a person edits, who the audit rows are about,
and (PostgreSQL) a notification to the other desks when something was committed.

The version makes a save that started from an older state fail instead of overwriting what
another desk saved meanwhile (SQLAlchemy's version counter, SPEC §1 "nothing silently
overwritten"). audit_log.record_id names the record an audit row is about, so "changed by whom
and when" is found even after the record was renamed or deleted.

Revision ID: 0004_versions
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_versions"
down_revision = "0003"
branch_labels = None
depends_on = None

VERSIONED = ("vendors", "people", "contracts", "clauses", "slas", "knowledge")
CHANNEL = "clausekeeper_changes"

NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION clausekeeper_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$$
"""
NOTIFY_TABLES = ("audit_log", "imports")


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="1", nullable=False)
            )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        for table in NOTIFY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_notify_change AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION clausekeeper_notify_change()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NOTIFY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS clausekeeper_notify_change()")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("record_id")
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
