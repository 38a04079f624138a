"""Feedback: what engineers think of our comments, traced to the rule that produced them.

GitHub sends no webhook for reactions, so :func:`poll` reads the reactions on the comments
we posted (recorded by :func:`record_published` when a review is published) with
ETag-conditional requests: an unchanged list answers 304 Not Modified, which GitHub does
not count against the rate limit. Recently active PRs are polled more often than old ones;
a PR closed for ``feedback_stop_after_close_days`` (14) is no longer polled.

Signals (``FeedbackRating.signal``):

- ``reaction``: +1 is helpful, -1 unhelpful (other reactions are ignored); strong.
  A reaction that disappears is retracted.
- ``command``: ``/reviewer feedback <finding-id> helpful|unhelpful "reason"``; strong.
- ``reply``: a human replied to our inline comment; weak and neutral.
- ``resolved``: a human resolved the thread of our inline comment; weak, helpful.

Only strong signals enter the helpful rate. The unit is the finding (repo, fingerprint):
each user's latest strong rating counts once; a finding is helpful when more of its raters
found it helpful than not (ties count as rated but enter neither side). Every new rating
and every retraction is appended to the audit log as a ``feedback`` entry.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, insert, select, update

from reviewer.audit import AuditLog
from reviewer.github.auth import GitHubAuthError
from reviewer.github.client import GitHubClient, GitHubError, GitHubRateLimited
from reviewer.store.db import reading
from reviewer.store.models import (
    FeedbackComment,
    FeedbackDemotion,
    FeedbackPull,
    FeedbackRating,
)
from subagents.base import Finding, SubAgentReport

if TYPE_CHECKING:
    from reviewer.runtime import Runtime

log = structlog.get_logger("reviewer.feedback")

FINDING_MARKER = re.compile(r"<sub>finding ([0-9A-Za-z_:-]+)</sub>")
HELPFUL, UNHELPFUL, NEUTRAL = "helpful", "unhelpful", "neutral"
REACTIONS = {"+1": HELPFUL, "-1": UNHELPFUL}
SUMMARY = "(summary)"
NO_RULE = "(no rule)"
DAY = 86_400.0

# Poll intervals by how long ago the PR last saw activity (seconds since, interval).
INTERVALS: tuple[tuple[float, float], ...] = ((DAY, 900.0), (7 * DAY, 7200.0))
OLD_INTERVAL = 43_200.0

Signal = Literal["reaction", "command", "reply", "resolved"]


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _at(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


# --------------------------------------------------------------------------- recording


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
        at=_at(at),
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
    audit.append("feedback", row.repo, {"retracted": source}, pr=row.pr, at=_at(at))
    return True


# --------------------------------------------------------------------------- polling


@dataclass
class PollResult:
    pulls: int = 0
    comments: int = 0
    not_modified: int = 0
    ratings_added: int = 0
    ratings_retracted: int = 0
    deleted: int = 0
    stopped_polling: int = 0
    requests: int = 0
    deferred: str | None = None  # why the cycle stopped early (rate limit)
    errors: list[str] = field(default_factory=list)


class _Reserve(Exception):
    """The rate-limit reserve is reached: stop this cycle, keep the rest due."""


def next_interval(now: float, last_activity: float) -> float:
    age = max(now - last_activity, 0.0)
    for limit, interval in INTERVALS:
        if age < limit:
            return interval
    return OLD_INTERVAL


def due_pulls(engine: Engine, now: float) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        rows = conn.execute(
            select(FeedbackPull.__table__)
            .where(FeedbackPull.next_poll_at.is_not(None), FeedbackPull.next_poll_at <= now)
            .order_by(FeedbackPull.next_poll_at)
        )
        return [dict(r._mapping) for r in rows]


def poll(
    engine: Engine,
    audit: AuditLog,
    client_for: Callable[[int | None], GitHubClient],
    *,
    bot_login: str | None,
    now: float | None = None,
    reserve: int = 500,
    stop_after_close_days: float = 14.0,
) -> PollResult:
    """One polling cycle over every due PR; a scheduler calls this every few minutes."""
    now = time.time() if now is None else now
    result = PollResult()
    clients: dict[int | None, GitHubClient] = {}
    try:
        for pull in due_pulls(engine, now):
            client = clients.get(pull["installation_id"])
            if client is None:
                client = clients[pull["installation_id"]] = client_for(pull["installation_id"])
            try:
                _poll_pull(
                    engine,
                    audit,
                    client,
                    pull,
                    result,
                    bot_login=bot_login,
                    now=now,
                    reserve=reserve,
                    stop_after=stop_after_close_days * DAY,
                )
            except GitHubRateLimited as exc:
                result.deferred = f"rate limited: {exc}"
                break
            except _Reserve as exc:
                result.deferred = str(exc)
                break
            except (GitHubError, GitHubAuthError) as exc:
                result.errors.append(f"{pull['repo']}#{pull['pr']}: {exc}")
                _schedule(engine, pull, now + OLD_INTERVAL)
    finally:
        result.requests = sum(c.requests_made for c in clients.values())
    return result


def _check_reserve(headers: dict[str, Any], reserve: int) -> None:
    remaining = headers.get("x-ratelimit-remaining")
    if remaining is not None and int(remaining) < reserve:
        raise _Reserve(
            f"rate-limit reserve reached ({remaining} < {reserve} requests left until "
            f"{headers.get('x-ratelimit-reset', '?')})"
        )


def _schedule(engine: Engine, pull: dict[str, Any], at: float | None, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(FeedbackPull)
            .where(FeedbackPull.repo == pull["repo"], FeedbackPull.pr == pull["pr"])
            .values(next_poll_at=at, **values)
        )


def _poll_pull(
    engine: Engine,
    audit: AuditLog,
    client: GitHubClient,
    pull: dict[str, Any],
    result: PollResult,
    *,
    bot_login: str | None,
    now: float,
    reserve: int,
    stop_after: float,
) -> None:
    repo, number = pull["repo"], pull["pr"]
    result.pulls += 1
    state = {k: pull[k] for k in ("state", "closed_at", "last_activity_at", "etag")}
    try:
        data, etag, headers = client.conditional_get(f"/repos/{repo}/pulls/{number}", pull["etag"])
    except GitHubError as exc:
        if exc.status in (404, 410):
            _schedule(engine, pull, None, state="gone", polled_at=now)
            result.stopped_polling += 1
            return
        raise
    _check_reserve(headers, reserve)
    if data is not None:
        closed = str(data.get("state", "open")) == "closed"
        state.update(
            state="closed" if closed else str(data.get("state", "open")),
            # keep the close time we first saw when GitHub omits it; reopened: none
            closed_at=(_ts(data.get("closed_at")) or pull["closed_at"]) if closed else None,
            last_activity_at=max(_ts(data.get("updated_at")) or 0.0, pull["last_activity_at"]),
            etag=etag,
        )
    if state["state"] == "closed" and state["closed_at"] is None:
        state["closed_at"] = now
    if state["closed_at"] is not None and now - state["closed_at"] > stop_after:
        _schedule(engine, pull, None, polled_at=now, **state)
        result.stopped_polling += 1
        return
    with reading(engine) as conn:
        ours = [
            dict(r._mapping)
            for r in conn.execute(
                select(FeedbackComment.__table__).where(
                    FeedbackComment.repo == repo,
                    FeedbackComment.pr == number,
                    FeedbackComment.deleted_at.is_(None),
                )
            )
        ]
    inline = {c["comment_id"]: c for c in ours if c["kind"] == "review"}
    replies_etag = pull["replies_etag"]
    if inline:
        items, replies_etag, headers = client.conditional_list(
            f"/repos/{repo}/pulls/{number}/comments", replies_etag
        )
        _check_reserve(headers, reserve)
        if items is not None:
            present = {int(x["id"]) for x in items}
            for cid in set(inline) - present:
                _mark_deleted(engine, cid, now)
                result.deleted += 1
                ours = [c for c in ours if c["comment_id"] != cid]
            for x in items:
                parent = x.get("in_reply_to_id")
                login = (x.get("user") or {}).get("login")
                reply = parent in inline and login and login != bot_login and parent in present
                if reply and record_rating(
                    engine,
                    audit,
                    source=f"reply:{x['id']}",
                    signal="reply",
                    rating=NEUTRAL,
                    repo=repo,
                    pr=number,
                    comment=inline[parent],
                    user=login,
                    at=_ts(x.get("created_at")) or now,
                    installation_id=pull["installation_id"],
                ):
                    result.ratings_added += 1
    for comment in ours:
        result.comments += 1
        _poll_reactions(engine, audit, client, pull, comment, result, bot_login, now, reserve)
    last = state["last_activity_at"]
    if state["closed_at"] is not None:
        next_at = now + OLD_INTERVAL
    else:
        next_at = now + next_interval(now, last)
    _schedule(engine, pull, next_at, polled_at=now, replies_etag=replies_etag, **state)


def _mark_deleted(engine: Engine, comment_id: int, now: float) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(FeedbackComment)
            .where(FeedbackComment.comment_id == comment_id)
            .values(deleted_at=now)
        )


def _poll_reactions(
    engine: Engine,
    audit: AuditLog,
    client: GitHubClient,
    pull: dict[str, Any],
    comment: dict[str, Any],
    result: PollResult,
    bot_login: str | None,
    now: float,
    reserve: int,
) -> None:
    repo, cid = comment["repo"], comment["comment_id"]
    segment = "pulls" if comment["kind"] == "review" else "issues"
    try:
        items, etag, headers = client.conditional_list(
            f"/repos/{repo}/{segment}/comments/{cid}/reactions", comment["etag"]
        )
    except GitHubError as exc:
        if exc.status in (404, 410):
            _mark_deleted(engine, cid, now)
            result.deleted += 1
            return
        raise
    _check_reserve(headers, reserve)
    if items is None:
        result.not_modified += 1
        return
    current: set[str] = set()
    for reaction in items:
        rating = REACTIONS.get(str(reaction.get("content")))
        login = (reaction.get("user") or {}).get("login")
        if rating is None or not login or login == bot_login:
            continue
        source = f"reaction:{reaction['id']}"
        current.add(source)
        if record_rating(
            engine,
            audit,
            source=source,
            signal="reaction",
            rating=rating,
            repo=repo,
            pr=comment["pr"],
            comment=comment,
            user=login,
            at=_ts(reaction.get("created_at")) or now,
            installation_id=pull["installation_id"],
        ):
            result.ratings_added += 1
    with reading(engine) as conn:
        active = set(
            conn.scalars(
                select(FeedbackRating.source).where(
                    FeedbackRating.comment_id == cid,
                    FeedbackRating.signal == "reaction",
                    FeedbackRating.retracted_at.is_(None),
                )
            )
        )
    for source in active - current:
        if retract(engine, audit, source, now):
            result.ratings_retracted += 1
    with engine.begin() as conn:
        conn.execute(
            update(FeedbackComment).where(FeedbackComment.comment_id == cid).values(etag=etag)
        )


# --------------------------------------------------------------------------- commands


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


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % with z = 1.96)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class Row(BaseModel):
    scope: Literal["rule", "subagent"]
    name: str
    posted: int
    rated: int
    helpful: int
    unhelpful: int
    helpful_rate: float | None
    ci_low: float
    ci_high: float
    replies: int
    resolved: int
    low: bool
    demoted: bool = False


class FeedbackReport(BaseModel):
    repo: str | None
    since: str | None
    floor: float
    min_ratings: int
    rows: list[Row]

    @property
    def flagged(self) -> list[Row]:
        return [r for r in self.rows if r.low]


@dataclass
class _Unit:
    subagent: str
    rules: list[str]
    votes: dict[str, tuple[float, str]] = field(default_factory=dict)  # user -> (at, rating)
    replies: int = 0
    resolved: int = 0

    def verdict(self) -> str | None:
        helpful = sum(1 for _, r in self.votes.values() if r == HELPFUL)
        unhelpful = sum(1 for _, r in self.votes.values() if r == UNHELPFUL)
        if not self.votes:
            return None
        if helpful == unhelpful:
            return "split"
        return HELPFUL if helpful > unhelpful else UNHELPFUL


def report(
    engine: Engine,
    *,
    repo: str | None = None,
    since: datetime | None = None,
    floor: float = 0.5,
    min_ratings: int = 10,
) -> FeedbackReport:
    """Per guidance rule and per sub-agent: findings posted, rated, helpful rate (Wilson
    95 %), and whether the rate is low with enough ratings to be sure (upper bound under
    ``floor`` with at least ``min_ratings`` rated findings)."""
    start = since.timestamp() if since else None
    comments = select(FeedbackComment.__table__)
    ratings = select(FeedbackRating.__table__).where(FeedbackRating.retracted_at.is_(None))
    if repo:
        comments = comments.where(FeedbackComment.repo == repo)
        ratings = ratings.where(FeedbackRating.repo == repo)
    if start is not None:
        comments = comments.where(FeedbackComment.posted_at >= start)
    with reading(engine) as conn:
        posted = [dict(r._mapping) for r in conn.execute(comments)]
        rated = [dict(r._mapping) for r in conn.execute(ratings.order_by(FeedbackRating.at))]
        demoted = set(conn.scalars(select(FeedbackDemotion.rule_id)))
    units: dict[tuple[str, ...], _Unit] = {}
    for c in posted:
        key = _unit_key(c)
        if key not in units:
            units[key] = _Unit(c["subagent"] or "?", json.loads(c["rule_ids"]) or [NO_RULE])
    for r in rated:
        unit = units.get(_unit_key(r))
        if unit is None:  # e.g. a /reviewer feedback on a finding only in the summary
            if start is not None:
                continue
            unit = units[_unit_key(r)] = _Unit(
                r["subagent"] or "?", json.loads(r["rule_ids"]) or [NO_RULE]
            )
        if r["signal"] == "reply":
            unit.replies += 1
        elif r["signal"] == "resolved":
            unit.resolved += 1
        elif r["strong"]:
            unit.votes[r["user"] or r["source"]] = (r["at"], r["rating"])  # latest wins
    groups: dict[tuple[str, str], list[_Unit]] = defaultdict(list)
    for unit in units.values():
        groups[("subagent", unit.subagent)].append(unit)
        if unit.subagent != SUMMARY:
            for rule in unit.rules:
                groups[("rule", rule)].append(unit)
    rows = []
    for (scope, name), members in sorted(groups.items()):
        verdicts = [u.verdict() for u in members]
        helpful = verdicts.count(HELPFUL)
        unhelpful = verdicts.count(UNHELPFUL)
        n = helpful + unhelpful
        low_ci, high_ci = wilson(helpful, n)
        n_rated = sum(1 for v in verdicts if v is not None)
        rows.append(
            Row(
                scope="rule" if scope == "rule" else "subagent",
                name=name,
                posted=len(members),
                rated=n_rated,
                helpful=helpful,
                unhelpful=unhelpful,
                helpful_rate=round(helpful / n, 4) if n else None,
                ci_low=round(low_ci, 4),
                ci_high=round(high_ci, 4),
                replies=sum(u.replies for u in members),
                resolved=sum(u.resolved for u in members),
                low=n >= min_ratings and high_ci < floor and name not in (NO_RULE, SUMMARY),
                demoted=scope == "rule" and name in demoted,
            )
        )
    return FeedbackReport(
        repo=repo,
        since=since.isoformat() if since else None,
        floor=floor,
        min_ratings=min_ratings,
        rows=rows,
    )


def _unit_key(row: dict[str, Any]) -> tuple[str, ...]:
    if row.get("fingerprint"):
        return (row["repo"], "finding", row["fingerprint"])
    if row.get("comment_id") is not None:
        return (row["repo"], "comment", str(row["comment_id"]))
    return (row["repo"], "source", row["source"])


# --------------------------------------------------------------------------- demotion


def demoted_rules(engine: Engine) -> frozenset[str]:
    """Rules whose findings are listed in the summary only, never as inline comments."""
    with reading(engine) as conn:
        return frozenset(conn.scalars(select(FeedbackDemotion.rule_id)))


def demote_flagged(engine: Engine, audit: AuditLog, rep: FeedbackReport) -> list[str]:
    """Demote every flagged rule not yet demoted; each demotion is a ``config`` entry."""
    done = []
    already = demoted_rules(engine)
    for row in rep.flagged:
        if row.scope != "rule" or row.name in already:
            continue
        entry = audit.append(
            "config",
            rep.repo or "*",
            {
                "action": "rule_demoted",
                "rule_id": row.name,
                "to": "summary_only",
                "helpful": row.helpful,
                "rated": row.helpful + row.unhelpful,
                "ci_high": f"{row.ci_high:.4f}",
                "floor": f"{rep.floor:.4f}",
                "min_ratings": rep.min_ratings,
            },
        )
        with engine.begin() as conn:
            conn.execute(
                insert(FeedbackDemotion).values(
                    rule_id=row.name, at=time.time(), audit_seq=entry.seq
                )
            )
        done.append(row.name)
    return done


def is_demoted(finding: Finding, demoted: frozenset[str]) -> bool:
    """A finding goes to the summary only when every rule it cites is demoted."""
    return bool(finding.rule_ids) and all(r in demoted for r in finding.rule_ids)


def update_metrics(rep: FeedbackReport) -> None:
    from reviewer import metrics

    for row in rep.rows:
        if row.helpful_rate is not None:
            metrics.FEEDBACK_HELPFUL_RATE.labels(scope=row.scope, name=row.name).set(
                row.helpful_rate
            )
        metrics.FEEDBACK_RATED.labels(scope=row.scope, name=row.name).set(row.rated)


def poll_cycle(
    runtime: Runtime,
    client_for: Callable[[int | None], GitHubClient],
    *,
    bot_login: str | None,
    now: float | None = None,
) -> PollResult:
    """What a scheduler runs: one poll, then the gauges, then (if enabled) demotions."""
    config = runtime.settings
    result = poll(
        runtime.engine,
        runtime.audit,
        client_for,
        bot_login=bot_login,
        now=now,
        reserve=config.feedback_rate_limit_reserve,
        stop_after_close_days=config.feedback_stop_after_close_days,
    )
    rep = report(
        runtime.engine,
        floor=config.feedback_precision_floor,
        min_ratings=config.feedback_min_ratings,
    )
    update_metrics(rep)
    if config.feedback_auto_demote:
        demote_flagged(runtime.engine, runtime.audit, rep)
    return result
