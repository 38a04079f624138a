"""procrastinate's SQL, called on our own connection: its named queries, the defer call,
the per-queue counts the fair scheduler reads, superseding and settling broker rows, and
the advisory locks that serialise writers of one PR or one installation."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from procrastinate.sql import queries as PQ
from sqlalchemy import Connection, bindparam, select, text, update

from reviewer.queue.base import JobRequest, JobState, JobView
from reviewer.queue.fair import NO_INSTALLATION
from reviewer.queue.writes import SAME_PR_OLDER_HEAD, supersede_params, supersedes
from reviewer.store.models import Job

QUEUE_PREFIX = "reviewer:"
TASK_PREFIX = "reviewer."
ACTIVE = (JobState.queued.value, JobState.running.value)
# Built once: they run on every queued delivery (see writes.py).
_OLDER_ACTIVE = select(Job.id, Job.state, Job.broker_job_id).where(
    SAME_PR_OLDER_HEAD, Job.state.in_(ACTIVE)
)
_CANCEL_ONE = (
    update(Job)
    .where(Job.id == bindparam("b_id"))
    .values(
        state=JobState.cancelled.value,
        superseded_by=bindparam("b_head"),
        finished_at=bindparam("b_now"),
        last_error=bindparam("b_error"),
    )
)
_FLAG_ONE = (
    update(Job)
    .where(Job.id == bindparam("b_id"))
    .values(cancel_requested=True, superseded_by=bindparam("b_head"))
)
_SET_BROKER_ID = (
    update(Job).where(Job.id == bindparam("b_id")).values(broker_job_id=bindparam("b_broker"))
)

DEFER = (
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(%(queue)s, %(task)s, 0, %(lock)s, "
    "NULL, %(args)s::jsonb, to_timestamp(%(at)s::float8))::procrastinate_job_to_defer_v1]))"
)
CANDIDATES = """
SELECT queue_name,
       count(*) FILTER (WHERE status = 'todo'
                        AND (scheduled_at IS NULL OR scheduled_at <= now())) AS ready,
       count(*) FILTER (WHERE status = 'todo') AS queued,
       count(*) FILTER (WHERE status = 'doing') AS running
  FROM procrastinate_jobs
 WHERE status IN ('todo', 'doing') AND starts_with(queue_name, %(prefix)s)
 GROUP BY queue_name
"""


def queue_name(installation_id: int | None) -> str:
    return f"{QUEUE_PREFIX}{installation_id if installation_id is not None else NO_INSTALLATION}"


def pr_lock(repo: str, pr: int) -> str:
    return f"pr:{repo}#{pr}"


def installation_of(name: str) -> int:
    return int(name.removeprefix(QUEUE_PREFIX))


def run_query(conn: Connection, name: str, **params: Any) -> Any:
    """Run one of procrastinate's named queries on our connection (our transaction)."""
    return conn.exec_driver_sql(PQ[name], params)


def lock_broker_rows(conn: Connection, broker_ids: list[int | None]) -> None:
    ids = sorted({i for i in broker_ids if i is not None})
    if ids:
        conn.exec_driver_sql(
            "SELECT id FROM procrastinate_jobs WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE",
            {"ids": ids},
        )


def broker_settle(conn: Connection, broker_id: int, outcome: str, run_after: float | None) -> None:
    status = conn.exec_driver_sql(
        "SELECT status::text FROM procrastinate_jobs WHERE id = %(id)s", {"id": broker_id}
    ).scalar()
    if status not in ("todo", "doing"):
        return
    if outcome == "todo":
        if status == "doing":
            conn.exec_driver_sql(
                "UPDATE procrastinate_jobs SET abort_requested = false WHERE id = %(id)s",
                {"id": broker_id},
            )
            run_query(
                conn,
                "retry_job",
                job_id=broker_id,
                retry_at=datetime.fromtimestamp(run_after or time.time(), UTC),
                new_priority=None,
                new_queue_name=None,
                new_lock=None,
            )
        return
    # Finished work is deleted from procrastinate's table (ours keeps the record), so
    # the fetch query's scans stay proportional to live work.
    run_query(
        conn,
        "finish_job",
        job_id=broker_id,
        status=outcome,
        delete_job=outcome == "succeeded",
    )


def advisory_lock(conn: Connection, key: str) -> None:
    """A transaction-scoped PostgreSQL lock on ``key`` (released at commit)."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": "reviewer-" + key},
    )


def defer(conn: Connection, job_id: int, job: JobRequest | JobView, at: float | None) -> int:
    """A procrastinate job for our job ``job_id`` (whose key is ``job``'s), runnable from
    ``at`` (now if None)."""
    broker_id: int = conn.exec_driver_sql(
        DEFER,
        {
            "queue": queue_name(job.installation_id),
            "task": TASK_PREFIX + job.kind.value,
            "lock": pr_lock(job.repo, job.pr),
            "args": json.dumps({"job_id": job_id}),
            "at": at,
        },
    ).scalar_one()
    conn.execute(_SET_BROKER_ID, {"b_id": job_id, "b_broker": broker_id})
    return broker_id


def supersede_on_broker(conn: Connection, request: JobRequest, now: float) -> list[int]:
    """``writes.supersede`` with procrastinate's rows: a queued older head is cancelled in
    both tables, a running one gets ``abort_requested`` there and ``cancel_requested`` here."""
    if not supersedes(request):
        return []
    params = supersede_params(request, now)
    targets = conn.execute(_OLDER_ACTIVE, params).all()
    if not targets:
        return []
    lock_broker_rows(conn, [t.broker_job_id for t in targets])
    cancelled = []
    for target in targets:
        queued = target.state == JobState.queued.value
        conn.execute(_CANCEL_ONE if queued else _FLAG_ONE, {**params, "b_id": target.id})
        run_query(
            conn, "cancel_job", job_id=target.broker_job_id, abort=not queued, delete_job=False
        )
        if queued:
            cancelled.append(target.id)
    return cancelled
