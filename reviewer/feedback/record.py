"""Recording feedback: what we posted, and each rating or retraction of it (also an
``feedback`` audit entry)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import structlog
from sqlalchemy import Engine, insert, select, update

from reviewer.audit.log import AuditLog
from reviewer.feedback.common import (
    FINDING_MARKER,
    HELPFUL,
    SUMMARY,
    Signal,
    as_datetime,
)
from reviewer.github.client import GitHubClient
from reviewer.store.db import reading
from reviewer.store.models import (
    FeedbackComment,
    FeedbackPull,
    FeedbackRating,
)
from subagents.base import Finding, SubAgentReport

log = structlog.get_logger("reviewer.feedback")


def record_published(
    engine: Engine,
    *,
    repo: str,
    pr: int,
    head_sha: str,
    installation_id: int | None,
    findings: Iterable[Finding],
    reports: Iterable[SubAgentReport],
    review_comments: Iterable[dict[str, Any]],
    summary_comment: dict[str, Any] | None,
    now: float | None = None,
) -> int:
    """Remember the comments a publish posted, mapped to findings by the fingerprint marker
    at the end of each inline comment's body. Returns how many comments were new."""
    now = time.time() if now is None else now
    by_fp = {f.fingerprint: f for f in findings}
    models = {r.subagent: r.model for r in reports}
    rows: list[dict[str, Any]] = []
    for comment in review_comments:
        match = FINDING_MARKER.search(comment.get("body") or "")
        finding = by_fp.get(match.group(1)) if match else None
        if finding is None:
            continue
        rows.append(
            {
                "comment_id": int(comment["id"]),
                "kind": "review",
                "fingerprint": finding.fingerprint,
                "subagent": finding.subagent,
                "rule_ids": json.dumps(sorted(finding.rule_ids)),
                "model": models.get(finding.subagent),
                "severity": finding.severity.value,
            }
        )
    if summary_comment and summary_comment.get("id") is not None:
        rows.append(
            {
                "comment_id": int(summary_comment["id"]),
                "kind": "summary",
                "fingerprint": None,
                "subagent": SUMMARY,
                "rule_ids": "[]",
                "model": None,
                "severity": None,
            }
        )
    added = 0
    with engine.begin() as conn:
        known = set(
            conn.scalars(
                select(FeedbackComment.comment_id).where(
                    FeedbackComment.comment_id.in_([r["comment_id"] for r in rows])
                )
            )
        )
        for row in rows:
            if row["comment_id"] in known:
                continue
            conn.execute(
                insert(FeedbackComment).values(
                    **row, repo=repo, pr=pr, head_sha=head_sha, posted_at=now
                )
            )
            added += 1
        pull = conn.execute(
            select(FeedbackPull.repo).where(FeedbackPull.repo == repo, FeedbackPull.pr == pr)
        ).first()
        if pull is None:
            conn.execute(
                insert(FeedbackPull).values(
                    repo=repo,
                    pr=pr,
                    installation_id=installation_id,
                    state="open",
                    last_activity_at=now,
                    next_poll_at=now,
                )
            )
        else:
            conn.execute(
                update(FeedbackPull)
                .where(FeedbackPull.repo == repo, FeedbackPull.pr == pr)
                .values(last_activity_at=now, next_poll_at=now, installation_id=installation_id)
            )
    return added


def publish_and_record(
    engine: Engine,
    client: GitHubClient,
    *,
    repo: str,
    pr: int,
    head_sha: str,
    installation_id: int | None,
    findings: list[Finding],
    reports: list[SubAgentReport],
    published: dict[str, Any],
) -> None:
    """After ``publish``: list the new review's comments once and record them. Feedback
    bookkeeping never fails a review: errors are logged."""
    try:
        review = published.get("review")
        comments: list[dict[str, Any]] = []
        if review and review.get("id") is not None and published.get("inline"):
            comments = client.review_comments_of_review(repo, pr, int(review["id"]))
        record_published(
            engine,
            repo=repo,
            pr=pr,
            head_sha=head_sha,
            installation_id=installation_id,
            findings=findings,
            reports=reports,
            review_comments=comments,
            summary_comment=published.get("summary"),
        )
    except Exception as exc:  # bookkeeping must not fail a published review
        log.warning("feedback.record_failed", error=f"{type(exc).__name__}: {exc}")


def _comment_row(engine: Engine, comment_id: int) -> dict[str, Any] | None:
    with reading(engine) as conn:
        row = conn.execute(
            select(FeedbackComment.__table__).where(FeedbackComment.comment_id == comment_id)
        ).first()
    return dict(row._mapping) if row else None


def record_rating(
    engine: Engine,
    audit: AuditLog,
    *,
    source: str,
    signal: Signal,
    rating: str,
    repo: str,
    pr: int,
    comment: dict[str, Any] | None = None,
    fingerprint: str | None = None,
    user: str | None = None,
    reason: str | None = None,
    at: float | None = None,
    installation_id: int | None = None,
) -> bool:
    """Store one rating (idempotent on ``source``) and append it to the audit log.
    Returns False when ``source`` was already recorded."""
    at = time.time() if at is None else at
    comment = comment or {}
    values = {
        "source": source,
        "signal": signal,
        "rating": rating,
        "strong": signal in ("reaction", "command"),
        "comment_id": comment.get("comment_id"),
        "repo": repo,
        "pr": pr,
        "fingerprint": comment.get("fingerprint") or fingerprint,
        "subagent": comment.get("subagent"),
        "rule_ids": comment.get("rule_ids") or "[]",
        "model": comment.get("model"),
        "user": user,
        "reason": (reason or None) and reason[:1000],
        "at": at,
    }
    with engine.begin() as conn:
        if conn.scalar(select(FeedbackRating.id).where(FeedbackRating.source == source)):
            return False
        conn.execute(insert(FeedbackRating).values(**values))
    payload = {k: v for k, v in values.items() if k not in ("at", "repo", "pr", "rule_ids")}
    payload["rule_ids"] = json.loads(str(values["rule_ids"]))
    audit.append(
        "feedback",
        repo,
        payload,
        pr=pr,
        installation_id=installation_id,
        at=as_datetime(at),
    )
    return True


def retract(engine: Engine, audit: AuditLog, source: str, at: float | None = None) -> bool:
    """Withdraw a rating (a removed reaction, an unresolved thread)."""
    at = time.time() if at is None else at
    with engine.begin() as conn:
        row = conn.execute(
            select(FeedbackRating.repo, FeedbackRating.pr).where(
                FeedbackRating.source == source, FeedbackRating.retracted_at.is_(None)
            )
        ).first()
        if row is None:
            return False
        conn.execute(
            update(FeedbackRating).where(FeedbackRating.source == source).values(retracted_at=at)
        )
    audit.append("feedback", row.repo, {"retracted": source}, pr=row.pr, at=as_datetime(at))
    return True


def posted_before(engine: Engine, repo: str, pr: int, head_sha: str) -> tuple[set[str], int | None]:
    """What earlier reviews of the PR posted: the fingerprints commented inline at
    ``head_sha`` (never posted twice there) and the summary comment's id (edited in place
    without listing the PR's comments)."""
    with reading(engine) as conn:
        rows = conn.execute(
            select(FeedbackComment.kind, FeedbackComment.fingerprint, FeedbackComment.head_sha,
                   FeedbackComment.comment_id, FeedbackComment.deleted_at)
            .where(FeedbackComment.repo == repo, FeedbackComment.pr == pr)
            .order_by(FeedbackComment.posted_at)
        ).all()  # fmt: skip
    fingerprints = {
        r.fingerprint
        for r in rows
        if r.kind == "review" and r.head_sha == head_sha and r.fingerprint
    }
    summaries = [r.comment_id for r in rows if r.kind == "summary" and r.deleted_at is None]
    return fingerprints, (summaries[-1] if summaries else None)


def find_comment(engine: Engine, repo: str, pr: int, finding_id: str) -> dict[str, Any] | None:
    """Our latest inline comment for ``finding_id`` (a fingerprint or a unique prefix)."""
    with reading(engine) as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(FeedbackComment.__table__)
                .where(
                    FeedbackComment.repo == repo,
                    FeedbackComment.pr == pr,
                    FeedbackComment.fingerprint.startswith(finding_id, autoescape=True),
                )
                .order_by(FeedbackComment.posted_at.desc())
            )
        ]
    if len({r["fingerprint"] for r in rows}) != 1:
        return None
    return rows[0]


def thread_resolved(
    engine: Engine,
    audit: AuditLog,
    *,
    repo: str,
    pr: int,
    comment_id: int,
    resolved: bool,
    user: str | None,
    installation_id: int | None = None,
) -> bool:
    """A resolved thread started by our comment is a weak helpful signal; unresolving
    withdraws it."""
    comment = _comment_row(engine, comment_id)
    if comment is None or comment["kind"] != "review":
        return False
    source = f"resolved:{comment_id}"
    if not resolved:
        return retract(engine, audit, source)
    with engine.begin() as conn:  # resolved again after an unresolve: a fresh signal
        conn.execute(
            update(FeedbackRating)
            .where(FeedbackRating.source == source, FeedbackRating.retracted_at.is_not(None))
            .values(source=f"{source}:{time.time_ns()}")
        )
    return record_rating(
        engine,
        audit,
        source=source,
        signal="resolved",
        rating=HELPFUL,
        repo=repo,
        pr=pr,
        comment=comment,
        user=user,
        installation_id=installation_id,
    )


# --------------------------------------------------------------------------- report
