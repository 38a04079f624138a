"""Polling reactions on our comments with ETag-conditional requests, recent PRs more often
than old ones, and none 14 days after a PR closed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update

from reviewer.audit.log import AuditLog
from reviewer.feedback.common import (
    DAY,
    INTERVALS,
    NEUTRAL,
    OLD_INTERVAL,
    REACTIONS,
    timestamp,
)
from reviewer.feedback.record import record_rating, retract
from reviewer.github.auth import GitHubAuthError
from reviewer.github.client import GitHubClient, GitHubError, GitHubRateLimited
from reviewer.store.db import reading
from reviewer.store.models import (
    FeedbackComment,
    FeedbackPull,
    FeedbackRating,
)


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
            closed_at=(timestamp(data.get("closed_at")) or pull["closed_at"]) if closed else None,
            last_activity_at=max(
                timestamp(data.get("updated_at")) or 0.0, pull["last_activity_at"]
            ),
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
                    at=timestamp(x.get("created_at")) or now,
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
            at=timestamp(reaction.get("created_at")) or now,
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
