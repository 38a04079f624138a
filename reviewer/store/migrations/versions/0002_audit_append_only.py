"""Audit log: append-only triggers and a (repo, at) index for auditors' queries.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("audit_entries", "audit_checkpoints")


def upgrade() -> None:
    op.create_index("ix_audit_entries_repo_at", "audit_entries", ["repo", "at"])
    op.create_index("ix_audit_entries_repo_pr", "audit_entries", ["repo", "pr"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION reviewer_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION reviewer_append_only()"
            )
        return
    for table in TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION reviewer_append_only()")
    else:
        for table in TABLES:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{verb}")
    op.drop_index("ix_audit_entries_repo_pr", "audit_entries")
    op.drop_index("ix_audit_entries_repo_at", "audit_entries")
