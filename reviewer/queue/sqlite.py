"""The embedded queue: jobs and deliveries in the same SQLite file as everything else.

Every method is one short transaction. On SQLite each transaction starts with
``BEGIN IMMEDIATE`` (see ``reviewer.store.db``), so claims from many worker processes
serialise on the write lock and can never hand the same job to two workers.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, exists, func, select, update
from sqlalchemy.orm import aliased

from reviewer.queue.base import (
    Claimed,
    EnqueueOutcome,
    EnqueueResult,
    Heartbeat,
    JobRequest,
    JobState,
    JobView,
)
from reviewer.queue.fair import NO_INSTALLATION, fair_order
from reviewer.queue.reads import QueueReads
from reviewer.queue.rows import (
    MAX_BACKOFF_S,
    QueueError,
    active_twin,
    job_view,
    last_turns,
    touch_turn,
)
from reviewer.queue.writes import finish, insert_job, record_delivery, requeue, supersede
from reviewer.store.models import Delivery, Job

_SEEN = select(Delivery.delivery_id).where(Delivery.delivery_id == bindparam("b_delivery"))


class SqliteJobQueue(QueueReads):
    """``JobQueue`` over SQLAlchemy Core; named for its default backend, SQLite."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_attempts: int = 5,
        lease_seconds: float = 60.0,
        backoff_base: float = 5.0,
        installation_concurrency: int = 4,
        max_depth: int = 1000,
    ) -> None:
        self.engine = engine
        self.max_attempts = max_attempts
        self.lease_seconds = lease_seconds
        self.backoff_base = backoff_base
        self.installation_concurrency = installation_concurrency
        self.max_depth = max_depth
        # SQLite's busy handler sleeps up to 100 ms between lock attempts; threads of one
        # process queue on this lock instead, so a burst of webhooks does not stall.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._write_lock or nullcontext(), self.engine.begin() as conn:
            yield conn

    def enqueue(
        self,
        request: JobRequest,
        delivery_id: str | None,
        event: str = "",
        action: str | None = None,
    ) -> EnqueueResult:
        now = time.time()
        with self._tx() as conn:
            if delivery_id is not None and conn.scalar(_SEEN, {"b_delivery": delivery_id}):
                return EnqueueResult(outcome=EnqueueOutcome.duplicate_delivery)
            existing = active_twin(conn, request.repo, request.pr, request.head_sha, request.kind)
            if existing is not None:
                record_delivery(conn, delivery_id, event, action, now, "duplicate", existing)
                return EnqueueResult(outcome=EnqueueOutcome.duplicate_job, job_id=existing)
            superseded = supersede(conn, request, now)
            job_id = insert_job(conn, request, delivery_id, now, self.max_attempts)
            record_delivery(conn, delivery_id, event, action, now, "queued", job_id)
        return EnqueueResult(outcome=EnqueueOutcome.queued, job_id=job_id, superseded=superseded)

    def claim(self, worker_id: str) -> Claimed | None:
        now = time.time()
        lease = now + self.lease_seconds
        with self._tx() as conn:
            row = self._next_claimable(conn, now)
            if row is None:
                return None
            job = job_view(row)
            if job.state is JobState.queued:
                touch_turn(conn, job.installation_id, now)
            if job.state is JobState.running and job.cancel_requested:
                finish(
                    conn,
                    job.id,
                    JobState.cancelled,
                    now,
                    f"superseded by {job.superseded_by} while its worker was gone",
                )
                return None
            if job.state is JobState.running and job.attempts >= job.max_attempts:
                finish(conn, job.id, JobState.dead, now, "lease expired on the last attempt")
                return None
            conn.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    state=JobState.running.value,
                    lease_owner=worker_id,
                    lease_expires=lease,
                    attempts=Job.attempts + 1,
                    started_at=now,
                )
            )
            claimed = conn.execute(select(Job.__table__).where(Job.id == job.id)).one()
        return Claimed(job=job_view(claimed), worker_id=worker_id, lease_expires=lease)

    def _next_claimable(self, conn: Connection, now: float) -> Any:
        """Expired leases first (crashed workers), then the oldest runnable queued job of a
        PR that has nothing running, from the installation the fair scheduler picks."""
        expired = conn.execute(
            select(Job.__table__)
            .where(Job.state == JobState.running.value, Job.lease_expires <= now)
            .order_by(Job.lease_expires)
            .limit(1)
        ).first()
        if expired is not None:
            return expired
        running = aliased(Job)
        busy = exists().where(
            running.repo == Job.repo,
            running.pr == Job.pr,
            running.state == JobState.running.value,
        )
        runnable = and_(Job.state == JobState.queued.value, Job.run_after <= now, ~busy)
        inst = func.coalesce(Job.installation_id, NO_INSTALLATION)
        queued = dict(conn.execute(select(inst, func.count()).where(runnable).group_by(inst)).all())
        if not queued:
            return None
        per_installation = dict(
            conn.execute(
                select(inst, func.count()).where(Job.state == JobState.running.value).group_by(inst)
            ).all()
        )
        total = conn.scalar(select(func.count()).where(Job.state == JobState.queued.value))
        for installation in fair_order(
            queued,
            per_installation,
            last_turns(conn, list(queued)),
            cap=self.installation_concurrency,
            max_depth=self.max_depth,
            total_queued=total,
        ):
            return conn.execute(
                select(Job.__table__)
                .where(runnable, inst == installation)
                .order_by(Job.run_after, Job.id)
                .limit(1)
            ).first()
        return None

    def heartbeat(self, job_id: int, worker_id: str) -> Heartbeat:
        with self._tx() as conn:
            held = conn.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.lease_owner == worker_id,
                    Job.state == JobState.running.value,
                )
                .values(lease_expires=time.time() + self.lease_seconds)
            ).rowcount
            row = conn.execute(
                select(Job.cancel_requested, Job.superseded_by).where(Job.id == job_id)
            ).first()
        return Heartbeat(
            lease_held=bool(held),
            cancel_requested=bool(row and row.cancel_requested),
            superseded_by=row.superseded_by if row else None,
        )

    def _owned_update(self, job_id: int, worker_id: str, **values: Any) -> bool:
        with self._tx() as conn:
            return bool(
                conn.execute(
                    update(Job)
                    .where(
                        Job.id == job_id,
                        Job.lease_owner == worker_id,
                        Job.state == JobState.running.value,
                    )
                    .values(**values)
                ).rowcount
            )

    def complete(self, job_id: int, worker_id: str) -> None:
        self._owned_update(
            job_id,
            worker_id,
            state=JobState.done.value,
            finished_at=time.time(),
            lease_owner=None,
            lease_expires=None,
        )

    def cancel(self, job_id: int, worker_id: str, reason: str) -> None:
        self._owned_update(
            job_id,
            worker_id,
            state=JobState.cancelled.value,
            finished_at=time.time(),
            last_error=reason,
            lease_owner=None,
            lease_expires=None,
        )

    def _retry_delay(self, job_id: int, retryable: bool) -> float | None:
        """Jittered exponential backoff before the next attempt, or None: dead-letter."""
        job = self.get(job_id)
        if job is None:
            raise QueueError(f"job {job_id} does not exist")
        if not retryable or job.attempts >= job.max_attempts:
            return None
        delay = min(MAX_BACKOFF_S, self.backoff_base * 2 ** max(job.attempts - 1, 0))
        return delay * random.uniform(0.5, 1.5)

    def fail(self, job_id: int, worker_id: str, error: str, retryable: bool = True) -> JobState:
        delay = self._retry_delay(job_id, retryable)
        now = time.time()
        if delay is not None:
            self._owned_update(
                job_id,
                worker_id,
                state=JobState.queued.value,
                run_after=now + delay,
                last_error=error,
                lease_owner=None,
                lease_expires=None,
            )
            return JobState.queued
        self._owned_update(
            job_id,
            worker_id,
            state=JobState.dead.value,
            finished_at=now,
            last_error=error,
            lease_owner=None,
            lease_expires=None,
        )
        return JobState.dead

    def retry(self, job_id: int) -> JobView:
        with self._tx() as conn:
            requeue(conn, job_id, self._lock_pr)
        retried = self.get(job_id)
        assert retried is not None
        return retried

    def _lock_pr(self, conn: Connection, job: JobView) -> None:
        """Serialise writers of one PR (a no-op here: SQLite's write lock already does)."""

    def release(self, job_id: int, worker_id: str, reason: str) -> None:
        self._owned_update(
            job_id,
            worker_id,
            state=JobState.queued.value,
            attempts=Job.attempts - 1,
            run_after=time.time(),
            last_error=reason,
            lease_owner=None,
            lease_expires=None,
        )

    def maintain(self) -> int:
        """Nothing to do: ``claim`` reclaims expired leases itself."""
        return 0

    def close_worker(self, worker_id: str) -> None:
        return None
