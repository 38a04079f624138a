"""Audit decision index: composite indexes for the filter pairs auditors combine
(verdict + author type, repo + verdict), so a combination that matches little or nothing
is an index lookup rather than a walk of every decision with one of the two values.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_adi_verdict_author_seq", "audit_decision_index", ["verdict", "author_type", "seq"]
    )
    op.create_index("ix_adi_repo_verdict_seq", "audit_decision_index", ["repo", "verdict", "seq"])


def downgrade() -> None:
    op.drop_index("ix_adi_repo_verdict_seq", "audit_decision_index")
    op.drop_index("ix_adi_verdict_author_seq", "audit_decision_index")
