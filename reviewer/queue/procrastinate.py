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

import json
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from reviewer.logs import log
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
    DEFER,
    QUEUE_PREFIX,
    broker_settle,
    installation_of,
    lock_broker_rows,
    pr_lock,
    queue_name,
    run_query,
)
from reviewer.queue.fair import fair_order, installation_limit
from reviewer.queue.rows import (
    SUPERSEDABLE,
    QueueError,
    active_twin,
    job_view,
    last_turns,
    touch_turn,
)
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.store.models import Delivery, Job

TASK_PREFIX = "reviewer."
ACTIVE = (JobState.queued.value, JobState.running.value)


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
            _advisory_lock(conn, pr_lock(request.repo, request.pr))
            if delivery_id is not None:
                fresh = conn.execute(
                    pg_insert(Delivery)
                    .values(
                        delivery_id=delivery_id,
                        event=event,
                        action=action,
                        received_at=now,
                        outcome="queued",
                        job_id=None,
                    )
                    .on_conflict_do_nothing()
                    .returning(Delivery.delivery_id)
                ).first()
                if fresh is None:
                    return EnqueueResult(outcome=EnqueueOutcome.duplicate_delivery)
            existing = active_twin(conn, request.repo, request.pr, request.head_sha, request.kind)
            if existing is not None:
                self._link_delivery(conn, delivery_id, "duplicate", existing)
                return EnqueueResult(outcome=EnqueueOutcome.duplicate_job, job_id=existing)
            superseded = self._supersederun_query(conn, request, now)
            job_id = self._insert_job(conn, request, delivery_id, now)
            self._defer(conn, job_id, None)
            self._link_delivery(conn, delivery_id, "queued", job_id)
        return EnqueueResult(outcome=EnqueueOutcome.queued, job_id=job_id, superseded=superseded)

    @staticmethod
    def _link_delivery(
        conn: Connection, delivery_id: str | None, outcome: str, job_id: int
    ) -> None:
        if delivery_id is not None:
            conn.execute(
                update(Delivery)
                .where(Delivery.delivery_id == delivery_id)
                .values(outcome=outcome, job_id=job_id)
            )

    @staticmethod
    def _defer(conn: Connection, job_id: int, at: float | None) -> int:
        """A procrastinate job for our job ``job_id``, runnable from ``at`` (now if None)."""
        job = conn.execute(
            select(Job.kind, Job.installation_id, Job.repo, Job.pr).where(Job.id == job_id)
        ).one()
        broker_id: int = conn.exec_driver_sql(
            DEFER,
            {
                "queue": queue_name(job.installation_id),
                "task": TASK_PREFIX + job.kind,
                "lock": pr_lock(job.repo, job.pr),
                "args": json.dumps({"job_id": job_id}),
                "at": at,
            },
        ).scalar_one()
        conn.execute(update(Job).where(Job.id == job_id).values(broker_job_id=broker_id))
        return broker_id

    @staticmethod
    def _supersederun_query(conn: Connection, request: JobRequest, now: float) -> list[int]:
        if request.kind.value not in SUPERSEDABLE or not request.head_sha:
            return []
        same_pr = and_(
            Job.repo == request.repo,
            Job.pr == request.pr,
            Job.kind.in_(SUPERSEDABLE),
            Job.head_sha != request.head_sha,
            Job.state.in_(ACTIVE),
        )
        targets = conn.execute(select(Job.id, Job.state, Job.broker_job_id).where(same_pr)).all()
        if not targets:
            return []
        lock_broker_rows(conn, [t.broker_job_id for t in targets])
        cancelled = []
        for target in targets:
            if target.state == JobState.queued.value:
                conn.execute(
                    update(Job)
                    .where(Job.id == target.id)
                    .values(
                        state=JobState.cancelled.value,
                        superseded_by=request.head_sha,
                        finished_at=now,
                        last_error=f"superseded by {request.head_sha}",
                    )
                )
                run_query(
                    conn, "cancel_job", job_id=target.broker_job_id, abort=False, delete_job=False
                )
                cancelled.append(target.id)
            else:
                conn.execute(
                    update(Job)
                    .where(Job.id == target.id)
                    .values(cancel_requested=True, superseded_by=request.head_sha)
                )
                run_query(
                    conn, "cancel_job", job_id=target.broker_job_id, abort=True, delete_job=False
                )
        return cancelled

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
            claimed = self._claim_from(installation, limit, worker_id, broker_worker)
            if claimed is not None:
                return claimed
        return None

    def _claim_from(
        self, installation: int, limit: int, worker_id: str, broker_worker: int
    ) -> Claimed | None:
        """One transaction: the installation's cap holds across all workers because claims
        within one installation serialise on an advisory lock."""
        now = time.time()
        name = queue_name(installation)
        with self.engine.begin() as conn:
            _advisory_lock(conn, name)
            busy = conn.exec_driver_sql(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE queue_name = %(q)s AND status = 'doing'",
                {"q": name},
            ).scalar_one()
            if busy >= limit:
                return None
            row = run_query(conn, "fetch_job", queues=[name], worker_id=broker_worker).first()
            if row is None or row.id is None:
                return None
            claimed = conn.execute(
                update(Job)
                .where(Job.broker_job_id == row.id, Job.state == JobState.queued.value)
                .values(
                    state=JobState.running.value,
                    lease_owner=worker_id,
                    lease_expires=now + self.lease_seconds,
                    attempts=Job.attempts + 1,
                    started_at=now,
                )
                .returning(*Job.__table__.c)
            ).first()
            if claimed is None:  # no live job behind it: never hand it out again
                run_query(conn, "finish_job", job_id=row.id, status="failed", delete_job=False)
                log.warning("queue.orphan_broker_job", broker_job_id=row.id)
                return None
            touch_turn(conn, installation, now)
        return Claimed(
            job=job_view(claimed), worker_id=worker_id, lease_expires=now + self.lease_seconds
        )

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
        """Move a job this worker holds to its next state, here and in procrastinate:
        ``outcome`` is ``succeeded``/``failed``/``aborted`` (finish) or ``todo`` (retry at
        ``run_after``). Returns the job before the change, or None when not held."""
        with self.engine.begin() as conn:
            broker_id = conn.scalar(select(Job.broker_job_id).where(Job.id == job_id))
            if broker_id is None:
                return None
            lock_broker_rows(conn, [broker_id])
            before = conn.execute(
                select(Job.__table__)
                .where(
                    Job.id == job_id,
                    Job.lease_owner == worker_id,
                    Job.state == JobState.running.value,
                )
                .with_for_update()
            ).first()
            if before is None:
                return None
            job = job_view(before)
            if job.cancel_requested and outcome in ("todo", "failed"):
                # Superseded while it ran and then failed or was released: it is over.
                outcome = "aborted"
                values = {
                    "state": JobState.cancelled.value,
                    "finished_at": time.time(),
                    "last_error": f"superseded by {job.superseded_by}",
                }
            conn.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(lease_owner=None, lease_expires=None, **values)
            )
            broker_settle(conn, broker_id, outcome, values.get("run_after"))
        return job

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
        with self.engine.connect() as conn:
            stalled = run_query(
                conn,
                "select_stalled_jobs_by_heartbeat",
                queue=None,
                task_name=None,
                seconds_since_heartbeat=self.lease_seconds,
            ).all()
            conn.rollback()
        recovered = 0
        for row in stalled:
            if row.queue_name.startswith(QUEUE_PREFIX) and self._recover(row.id):
                recovered += 1
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT procrastinate_prune_stalled_workers_v1(%(s)s)",
                {"s": max(self.lease_seconds * 10, 60.0)},
            )
        return recovered

    def _recover(self, broker_id: int) -> bool:
        now = time.time()
        with self.engine.begin() as conn:
            locked = conn.exec_driver_sql(
                "SELECT id FROM procrastinate_jobs WHERE id = %(id)s AND status = 'doing' "
                "FOR UPDATE SKIP LOCKED",
                {"id": broker_id},
            ).first()
            if locked is None:
                return False  # another worker recovers it, or it finished meanwhile
            row = conn.execute(
                select(Job.__table__).where(Job.broker_job_id == broker_id).with_for_update()
            ).first()
            if row is None or row.state != JobState.running.value:
                broker_settle(conn, broker_id, "failed", None)
                return False
            job = job_view(row)
            lost = {"lease_owner": None, "lease_expires": None}
            values: dict[str, Any]
            if job.cancel_requested:
                outcome = "aborted"
                values = {
                    "state": JobState.cancelled.value,
                    "finished_at": now,
                    "last_error": f"superseded by {job.superseded_by}; its worker was gone",
                }
            elif job.attempts >= job.max_attempts:
                outcome = "failed"
                values = {
                    "state": JobState.dead.value,
                    "finished_at": now,
                    "last_error": "its worker stopped on the last attempt",
                }
            else:
                outcome = "todo"
                values = {"state": JobState.queued.value, "run_after": now}
            conn.execute(update(Job).where(Job.id == job.id).values(**lost, **values))
            broker_settle(conn, broker_id, outcome, values.get("run_after"))
        log.warning("queue.recovered_stalled_job", job_id=job.id, next_state=values["state"])
        return True

    # -- operators -------------------------------------------------------------------------

    def retry(self, job_id: int) -> JobView:
        with self.engine.begin() as conn:
            self._requeue(conn, job_id)
            self._defer(conn, job_id, None)
        retried = self.get(job_id)
        assert retried is not None
        return retried

    def _lock_pr(self, conn: Connection, job: JobView) -> None:
        _advisory_lock(conn, pr_lock(job.repo, job.pr))

    def broker_counts(self) -> dict[str, int]:
        """procrastinate's own view (jobs by status), for operators and tests."""
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT status::text, count(*) FROM procrastinate_jobs "
                "WHERE starts_with(queue_name, %(p)s) GROUP BY status",
                {"p": QUEUE_PREFIX},
            ).all()
        return {status: count for status, count in rows}


def _advisory_lock(conn: Connection, key: str) -> None:
    """A transaction-scoped PostgreSQL lock on ``key`` (released at commit)."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": "reviewer-" + key},
    )
