"""procrastinate's SQL, called on our own connection: its named queries, the defer call,
the per-queue counts the fair scheduler reads, and settling a broker row."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from procrastinate.sql import queries as PQ
from sqlalchemy import Connection

from reviewer.queue.fair import NO_INSTALLATION

QUEUE_PREFIX = "reviewer:"

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
