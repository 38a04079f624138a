"""Feedback: the comments we posted, the ratings they received, per-PR polling state,
and guidance rules demoted to summary-only.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_pulls",
        sa.Column("repo", sa.String(200), primary_key=True),
        sa.Column("pr", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("installation_id", sa.BigInteger),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("closed_at", sa.Float),
        sa.Column("last_activity_at", sa.Float, nullable=False),
        sa.Column("etag", sa.String(200)),
        sa.Column("replies_etag", sa.String(200)),
        sa.Column("polled_at", sa.Float),
        sa.Column("next_poll_at", sa.Float),
    )
    op.create_index("ix_feedback_pulls_next_poll_at", "feedback_pulls", ["next_poll_at"])
    op.create_table(
        "feedback_comments",
        sa.Column("comment_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("pr", sa.Integer, nullable=False),
        sa.Column("head_sha", sa.String(64)),
        sa.Column("fingerprint", sa.String(128)),
        sa.Column("subagent", sa.String(64)),
        sa.Column("rule_ids", sa.Text, nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("severity", sa.String(16)),
        sa.Column("posted_at", sa.Float, nullable=False),
        sa.Column("etag", sa.String(200)),
        sa.Column("deleted_at", sa.Float),
    )
    op.create_index("ix_feedback_comments_fingerprint", "feedback_comments", ["fingerprint"])
    op.create_index("ix_feedback_comments_pr", "feedback_comments", ["repo", "pr"])
    op.create_table(
        "feedback_ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False, unique=True),
        sa.Column("signal", sa.String(16), nullable=False),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("strong", sa.Boolean, nullable=False),
        sa.Column("comment_id", sa.BigInteger),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("pr", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(128)),
        sa.Column("subagent", sa.String(64)),
        sa.Column("rule_ids", sa.Text, nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("user", sa.String(100)),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("retracted_at", sa.Float),
    )
    op.create_index("ix_feedback_ratings_fingerprint", "feedback_ratings", ["fingerprint"])
    op.create_index("ix_feedback_ratings_repo_at", "feedback_ratings", ["repo", "at"])
    op.create_table(
        "feedback_demotions",
        sa.Column("rule_id", sa.String(200), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("audit_seq", sa.Integer),
    )


def downgrade() -> None:
    for table in ("feedback_demotions", "feedback_ratings", "feedback_comments", "feedback_pulls"):
        op.drop_table(table)
