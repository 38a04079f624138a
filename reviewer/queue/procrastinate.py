"""The scale-out queue: ``JobQueue`` on procrastinate's PostgreSQL schema.

procrastinate does the dispatching: its ``procrastinate_jobs`` table, its fetch function
(``FOR UPDATE SKIP LOCKED``; a job whose ``lock`` has a job running is not handed out),
its retry/finish/cancel functions, its worker registry with heartbeats, and its stalled-job
query. We call those functions through procrastinate's own named queries
(``procrastinate.sql.queries``) on our SQLAlchemy connection, so that every queue operation
is ONE transaction over procrastinate's row and our ``jobs``/``deliveries`` rows. We do not
run procrastinate's worker loop: our ``Worker`` (heartbeats, supersede, shutdown) drives it.

Mapping (see docs/decisions.md, "Scale-out queue on procrastinate"):

- procrastinate ``queue_name`` = ``reviewer:<installation id>``: one queue per
  installation; the fair scheduler (``reviewer.queue.fair``) picks the queue to fetch from.
- ``lock`` = ``pr:<repo>#<pr>``: procrastinate never runs two jobs of one PR at once.
- ``queueing_lock`` is not used: our dedupe key must cover queued AND running jobs, and a
  duplicate must be an answer, not an exception; the partial unique index on ``jobs`` does
  it, serialised per PR by an advisory lock.
- supersede: a queued job is cancelled (``procrastinate_cancel_job_v1``); a running one
  gets ``abort_requested`` there and ``cancel_requested`` in ``jobs``, read by heartbeats.
- lease = procrastinate worker heartbeat: each of our worker ids registers a procrastinate
  worker; claims and job heartbeats refresh it. Jobs of workers silent for longer than
  ``lease_seconds`` are found with procrastinate's ``select_stalled_jobs_by_heartbeat``
  and retried (or dead-lettered/cancelled), every ``sweep_seconds`` by any polling worker.

Lock order everywhere: the ``procrastinate_jobs`` row first, then the ``jobs`` row.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from reviewer.queue.base import (
    Claimed,
    EnqueueOutcome,
    EnqueueResult,
    Heartbeat,
    JobRequest,
    JobState,
    JobView,
)
from reviewer.queue.broker import (
    CANDIDATES,
    QUEUE_PREFIX,
    advisory_lock,
    defer,
    installation_of,
    pr_lock,
    supersede_on_broker,
)
from reviewer.queue.fair import fair_order, installation_limit
from reviewer.queue.handout import claim_from, recover, settle, stalled
from reviewer.queue.rows import QueueError, active_twin, last_turns
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.queue.writes import insert_job, link_delivery, requeue
from reviewer.store.models import Delivery, Job

# Built once: the webhook path runs it on every delivery (see writes.py).
_RECORD_DELIVERY = pg_insert(Delivery).on_conflict_do_nothing().returning(Delivery.delivery_id)


class ProcrastinateJobQueue(SqliteJobQueue):
    """``JobQueue`` on procrastinate; reads (list, get, depth) come from ``jobs``."""

    def __init__(self, engine: Engine, **kwargs: Any) -> None:
        if engine.dialect.name != "postgresql":
            raise QueueError("the procrastinate queue needs PostgreSQL")
        super().__init__(engine, **kwargs)
        self._workers: dict[str, int] = {}
        self._workers_lock = threading.Lock()
        self._last_sweep = 0.0
        self.sweep_seconds = min(self.lease_seconds / 4, 5.0)

    # -- enqueue -----------------------------------------------------------------------

    def enqueue(
        self,
        request: JobRequest,
        delivery_id: str | None,
        event: str = "",
        action: str | None = None,
    ) -> EnqueueResult:
        now = time.time()
        with self.engine.begin() as conn:
            # One writer per PR at a time: dedupe and supersede see each other's commits.
            advisory_lock(conn, pr_lock(request.repo, request.pr))
            if delivery_id is not None:
                row = {"delivery_id": delivery_id, "event": event, "action": action,
                       "received_at": now, "outcome": "queued", "job_id": None}  # fmt: skip
                fresh = conn.execute(_RECORD_DELIVERY, row).first()
                if fresh is None:
                    return EnqueueResult(outcome=EnqueueOutcome.duplicate_delivery)
            existing = active_twin(conn, request.repo, request.pr, request.head_sha, request.kind)
            if existing is not None:
                link_delivery(conn, delivery_id, "duplicate", existing)
                return EnqueueResult(outcome=EnqueueOutcome.duplicate_job, job_id=existing)
            superseded = supersede_on_broker(conn, request, now)
            job_id = insert_job(conn, request, delivery_id, now, self.max_attempts)
            defer(conn, job_id, request, None)
            link_delivery(conn, delivery_id, "queued", job_id)
        return EnqueueResult(outcome=EnqueueOutcome.queued, job_id=job_id, superseded=superseded)

    # -- claim ---------------------------------------------------------------------------

    def claim(self, worker_id: str) -> Claimed | None:
        if time.monotonic() - self._last_sweep >= self.sweep_seconds:
            self.maintain()
        broker_worker = self._broker_worker(worker_id)
        with self.engine.connect() as conn:
            stats = conn.exec_driver_sql(CANDIDATES, {"prefix": QUEUE_PREFIX}).all()
            conn.rollback()
        ready = {installation_of(s.queue_name): s.ready for s in stats if s.ready}
        if not ready:
            return None
        queued = {installation_of(s.queue_name): s.queued for s in stats}
        running = {installation_of(s.queue_name): s.running for s in stats}
        total = sum(queued.values())
        with self.engine.connect() as conn:
            turns = last_turns(conn, list(ready))
            conn.rollback()
        order = fair_order(
            ready,
            running,
            turns,
            cap=self.installation_concurrency,
            max_depth=self.max_depth,
            total_queued=total,
        )
        for installation in order:
            limit = installation_limit(
                queued.get(installation, 0),
                len(ready),
                total,
                cap=self.installation_concurrency,
                max_depth=self.max_depth,
            )
            claimed = claim_from(
                self.engine, installation, limit, worker_id, broker_worker, self.lease_seconds
            )
            if claimed is not None:
                return claimed
        return None

    def _broker_worker(self, worker_id: str) -> int:
        """The procrastinate worker behind ``worker_id``, registered on first use; every
        call is a heartbeat."""
        with self._workers_lock:
            known = self._workers.get(worker_id)
        with self.engine.begin() as conn:
            if (
                known is not None
                and conn.exec_driver_sql(
                    "UPDATE procrastinate_workers SET last_heartbeat = now() "
                    "WHERE id = %(id)s RETURNING id",
                    {"id": known},
                ).first()
            ):
                return known
            fresh: int = conn.exec_driver_sql(
                "SELECT worker_id FROM procrastinate_register_worker_v1()"
            ).scalar_one()
        with self._workers_lock:
            self._workers[worker_id] = fresh
        return fresh

    def close_worker(self, worker_id: str) -> None:
        with self._workers_lock:
            known = self._workers.pop(worker_id, None)
        if known is not None:
            with self.engine.begin() as conn:
                conn.exec_driver_sql(
                    "SELECT procrastinate_unregister_worker_v1(%(id)s)", {"id": known}
                )

    # -- a claimed job -------------------------------------------------------------------

    def heartbeat(self, job_id: int, worker_id: str) -> Heartbeat:
        with self._workers_lock:
            broker_worker = self._workers.get(worker_id)
        with self.engine.begin() as conn:
            if broker_worker is not None:
                conn.exec_driver_sql(
                    "SELECT procrastinate_update_heartbeat_v1(%(id)s)", {"id": broker_worker}
                )
            row = conn.execute(
                text(
                    "SELECT j.cancel_requested, j.superseded_by, "
                    "(j.lease_owner = :owner AND j.state = 'running' AND p.status = 'doing' "
                    " AND p.worker_id IS NOT DISTINCT FROM :broker) AS held "
                    "FROM jobs j LEFT JOIN procrastinate_jobs p ON p.id = j.broker_job_id "
                    "WHERE j.id = :id"
                ),
                {"owner": worker_id, "broker": broker_worker, "id": job_id},
            ).first()
            held = bool(row and row.held)
            if held:
                conn.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(lease_expires=time.time() + self.lease_seconds)
                )
        return Heartbeat(
            lease_held=held,
            cancel_requested=bool(row and row.cancel_requested),
            superseded_by=row.superseded_by if row else None,
        )

    def _settle(self, job_id: int, worker_id: str, outcome: str, **values: Any) -> JobView | None:
        return settle(self.engine, job_id, worker_id, outcome, values)

    def complete(self, job_id: int, worker_id: str) -> None:
        self._settle(
            job_id, worker_id, "succeeded", state=JobState.done.value, finished_at=time.time()
        )

    def cancel(self, job_id: int, worker_id: str, reason: str) -> None:
        self._settle(
            job_id,
            worker_id,
            "aborted",
            state=JobState.cancelled.value,
            finished_at=time.time(),
            last_error=reason,
        )

    def release(self, job_id: int, worker_id: str, reason: str) -> None:
        self._settle(
            job_id,
            worker_id,
            "todo",
            state=JobState.queued.value,
            attempts=Job.attempts - 1,
            run_after=time.time(),
            last_error=reason,
        )

    def fail(self, job_id: int, worker_id: str, error: str, retryable: bool = True) -> JobState:
        delay = self._retry_delay(job_id, retryable)
        now = time.time()
        if delay is not None:
            self._settle(
                job_id,
                worker_id,
                "todo",
                state=JobState.queued.value,
                run_after=now + delay,
                last_error=error,
            )
        else:
            self._settle(
                job_id,
                worker_id,
                "failed",
                state=JobState.dead.value,
                finished_at=now,
                last_error=error,
            )
        after = self.get(job_id)
        return after.state if after is not None else JobState.dead

    # -- recovery of dead workers ----------------------------------------------------------

    def maintain(self) -> int:
        """Retry the jobs of workers whose heartbeat is older than the lease (procrastinate's
        stalled-job query), then forget long-silent workers. Safe to run from every worker."""
        self._last_sweep = time.monotonic()
        recovered = sum(recover(self.engine, i) for i in stalled(self.engine, self.lease_seconds))
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT procrastinate_prune_stalled_workers_v1(%(s)s)",
                {"s": max(self.lease_seconds * 10, 60.0)},
            )
        return recovered

    # -- operators -------------------------------------------------------------------------

    def retry(self, job_id: int) -> JobView:
        with self.engine.begin() as conn:
            job = requeue(conn, job_id, self._lock_pr)
            defer(conn, job_id, job, None)
        retried = self.get(job_id)
        assert retried is not None
        return retried

    def _lock_pr(self, conn: Connection, job: JobView) -> None:
        advisory_lock(conn, pr_lock(job.repo, job.pr))

    def broker_counts(self) -> dict[str, int]:
        """procrastinate's own view (jobs by status), for operators and tests."""
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT status::text, count(*) FROM procrastinate_jobs "
                "WHERE starts_with(queue_name, %(p)s) GROUP BY status",
                {"p": QUEUE_PREFIX},
            ).all()
        return {status: count for status, count in rows}
