"""Tables. Times in the queue are epoch seconds (floats) so lease arithmetic is exact on
SQLite and PostgreSQL alike; audit times are RFC 3339 strings because they are hashed."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from reviewer.store import audit_tables

ACTIVE_STATES = ("queued", "running")


class Base(DeclarativeBase):
    metadata = audit_tables.metadata  # the audit tables are Core ones (audit_tables.py)


class Delivery(Base):
    """Every webhook delivery id we accepted; the primary key is the dedupe."""

    __tablename__ = "deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))


class Job(Base):
    """A unit of durable work keyed by (repo, pr, head_sha, kind)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    installation_id: Mapped[int | None] = mapped_column(Integer)
    repo: Mapped[str] = mapped_column(String(200))
    pr: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")
    delivery_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[float] = mapped_column(Float)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires: Mapped[float | None] = mapped_column(Float)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    superseded_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)
    # The procrastinate job that dispatches this one (PostgreSQL queue only).
    broker_job_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "uq_jobs_active_key",
            "repo",
            "pr",
            "head_sha",
            "kind",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_jobs_pr", "repo", "pr"),
        Index("ix_jobs_broker_job_id", "broker_job_id"),
        Index("ix_jobs_installation_state", "installation_id", "state"),
    )


class QueueTurn(Base):
    """When each installation last had a job started: the fair scheduler serves the
    installation that waited longest first."""

    __tablename__ = "queue_turns"

    installation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last_started_at: Mapped[float] = mapped_column(Float)


class FeedbackPull(Base):
    """A PR we commented on, with its polling schedule (see ``reviewer.feedback``)."""

    __tablename__ = "feedback_pulls"

    repo: Mapped[str] = mapped_column(String(200), primary_key=True)
    pr: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[float | None] = mapped_column(Float)
    last_activity_at: Mapped[float] = mapped_column(Float)
    etag: Mapped[str | None] = mapped_column(String(200))
    replies_etag: Mapped[str | None] = mapped_column(String(200))
    polled_at: Mapped[float | None] = mapped_column(Float)
    next_poll_at: Mapped[float | None] = mapped_column(Float, index=True)


class FeedbackComment(Base):
    """A comment we posted: an inline finding (``review``) or the ``summary`` comment."""

    __tablename__ = "feedback_comments"

    comment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    repo: Mapped[str] = mapped_column(String(200))
    pr: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str | None] = mapped_column(String(64))
    fingerprint: Mapped[str | None] = mapped_column(String(128), index=True)
    subagent: Mapped[str | None] = mapped_column(String(64))
    rule_ids: Mapped[str] = mapped_column(Text, default="[]")
    model: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str | None] = mapped_column(String(16))
    posted_at: Mapped[float] = mapped_column(Float)
    etag: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_feedback_comments_pr", "repo", "pr"),)


class FeedbackRating(Base):
    """One signal on one of our comments; ``source`` makes recording it idempotent."""

    __tablename__ = "feedback_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(200), unique=True)
    signal: Mapped[str] = mapped_column(String(16))  # reaction|command|reply|resolved
    rating: Mapped[str] = mapped_column(String(16))  # helpful|unhelpful|neutral
    strong: Mapped[bool] = mapped_column(Boolean)
    comment_id: Mapped[int | None] = mapped_column(BigInteger)
    repo: Mapped[str] = mapped_column(String(200))
    pr: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str | None] = mapped_column(String(128), index=True)
    subagent: Mapped[str | None] = mapped_column(String(64))
    rule_ids: Mapped[str] = mapped_column(Text, default="[]")
    model: Mapped[str | None] = mapped_column(String(200))
    user: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Float)
    retracted_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_feedback_ratings_repo_at", "repo", "at"),)


class FeedbackDemotion(Base):
    """A guidance rule demoted to summary-only because its helpful rate fell under the floor."""

    __tablename__ = "feedback_demotions"

    rule_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    audit_seq: Mapped[int | None] = mapped_column(Integer)


class AuditDecisionIndex(Base):
    """One narrow row per ``decision`` entry for the auditors' list (derived; migration 0005)."""

    __tablename__ = "audit_decision_index"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    repo: Mapped[str] = mapped_column(String(200))
    pr: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))
    author_type: Mapped[str | None] = mapped_column(String(8))
    codes: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_adi_repo_seq", "repo", "seq"),
        Index("ix_adi_repo_pr_seq", "repo", "pr", "seq"),
        Index("ix_adi_verdict_seq", "verdict", "seq"),
        Index("ix_adi_author_seq", "author_type", "seq"),
        Index("ix_adi_at", "at"),
        Index("ix_adi_verdict_author_seq", "verdict", "author_type", "seq"),
        Index("ix_adi_repo_verdict_seq", "repo", "verdict", "seq"),
    )


class AuditDecisionReason(Base):
    """A reason code of an indexed decision: the list filters by code through this."""

    __tablename__ = "audit_decision_reasons"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AuditIndexHead(Base):
    """One row: the last audit ``seq`` the decision index has read."""

    __tablename__ = "audit_index_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
