"""Row-level pieces both queue backends share: the job view, the active-key lookup, the
fair scheduler's clock, and the queue's errors."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, bindparam, select

from reviewer.errors import ReviewerError
from reviewer.queue.base import JobKind, JobState, JobView
from reviewer.queue.fair import NO_INSTALLATION
from reviewer.store.models import Job, QueueTurn

SUPERSEDABLE = (JobKind.review.value,)
MAX_BACKOFF_S = 900.0


class QueueError(ReviewerError):
    """An operator asked for something the queue cannot do (e.g. retry a running job)."""


def job_view(row: Any) -> JobView:
    """A ``jobs`` row as the port's ``JobView`` (the payload column is JSON text)."""
    data = dict(row._mapping)
    data["payload"] = json.loads(data["payload"] or "{}")
    return JobView.model_validate(data)


_ACTIVE_TWIN = select(Job.id).where(  # built once: it runs on every webhook
    Job.repo == bindparam("b_repo"),
    Job.pr == bindparam("b_pr"),
    Job.head_sha == bindparam("b_head"),
    Job.kind == bindparam("b_kind"),
    Job.state.in_((JobState.queued.value, JobState.running.value)),
)


def active_twin(conn: Connection, repo: str, pr: int, head_sha: str, kind: JobKind) -> int | None:
    """The queued or running job with this key, if any (the unique key's other half)."""
    params = {"b_repo": repo, "b_pr": pr, "b_head": head_sha, "b_kind": kind.value}
    return conn.scalar(_ACTIVE_TWIN, params)


def touch_turn(conn: Connection, installation_id: int | None, now: float) -> None:
    """Record that ``installation_id`` just had a job started (the scheduler's clock)."""
    key = installation_id if installation_id is not None else NO_INSTALLATION
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    stmt = upsert(QueueTurn).values(installation_id=key, last_started_at=now)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[QueueTurn.installation_id], set_={"last_started_at": now}
        )
    )


def last_turns(conn: Connection, installations: list[int]) -> dict[int, float]:
    rows = conn.execute(
        select(QueueTurn.installation_id, QueueTurn.last_started_at).where(
            QueueTurn.installation_id.in_(installations)
        )
    ).all()
    return {installation: started for installation, started in rows}
