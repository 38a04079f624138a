"""Audit decision index: one narrow row per ``decision`` entry (repo, PR, verdict, author
type, time) and one per reason code, so the auditors' list filters and pages through a
million decisions by index instead of scanning JSON payloads. Derived data: rebuilt from
the chain at any time, never part of it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_decision_index",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("pr", sa.Integer),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("author_type", sa.String(8)),
        sa.Column("codes", sa.Text, nullable=False),
    )
    for name, columns in (
        ("ix_adi_repo_seq", ["repo", "seq"]),
        ("ix_adi_repo_pr_seq", ["repo", "pr", "seq"]),
        ("ix_adi_verdict_seq", ["verdict", "seq"]),
        ("ix_adi_author_seq", ["author_type", "seq"]),
        ("ix_adi_at", ["at"]),
    ):
        op.create_index(name, "audit_decision_index", columns)
    op.create_table(
        "audit_decision_reasons",
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    )
    op.create_table(
        "audit_index_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.bulk_insert(
        sa.table("audit_index_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer)),
        [{"id": 1, "seq": 0}],
    )


def downgrade() -> None:
    op.drop_table("audit_index_head")
    op.drop_table("audit_decision_reasons")
    op.drop_table("audit_decision_index")
