"""The embedded queue: jobs and deliveries in the same SQLite file as everything else.

Every method is one short transaction. On SQLite each transaction starts with
``BEGIN IMMEDIATE`` (see ``reviewer.store.db``), so claims from many worker processes
serialise on the write lock and can never hand the same job to two workers.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, insert, select, text, update
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
from reviewer.queue.rows import (
    MAX_BACKOFF_S,
    SUPERSEDABLE,
    QueueError,
    active_twin,
    job_view,
    last_turns,
    touch_turn,
)
from reviewer.store.db import reading
from reviewer.store.models import Delivery, Job


class SqliteJobQueue:
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
            if delivery_id is not None and conn.scalar(
                select(Delivery.delivery_id).where(Delivery.delivery_id == delivery_id)
            ):
                return EnqueueResult(outcome=EnqueueOutcome.duplicate_delivery)
            existing = active_twin(conn, request.repo, request.pr, request.head_sha, request.kind)
            if existing is not None:
                self._record_delivery(conn, delivery_id, event, action, now, "duplicate", existing)
                return EnqueueResult(outcome=EnqueueOutcome.duplicate_job, job_id=existing)
            superseded = self._supersede(conn, request, now)
            job_id = self._insert_job(conn, request, delivery_id, now)
            self._record_delivery(conn, delivery_id, event, action, now, "queued", job_id)
        return EnqueueResult(outcome=EnqueueOutcome.queued, job_id=job_id, superseded=superseded)

    def _insert_job(
        self, conn: Connection, request: JobRequest, delivery_id: str | None, now: float
    ) -> int:
        """The job row for ``request``, queued now (both backends keep this record)."""
        return int(
            conn.execute(
                insert(Job)
                .returning(Job.id)
                .values(
                    kind=request.kind.value,
                    installation_id=request.installation_id,
                    repo=request.repo,
                    pr=request.pr,
                    head_sha=request.head_sha,
                    state=JobState.queued.value,
                    payload=json.dumps(request.payload, sort_keys=True),
                    delivery_id=delivery_id,
                    attempts=0,
                    max_attempts=self.max_attempts,
                    run_after=now,
                    cancel_requested=False,
                    created_at=now,
                )
            ).scalar_one()
        )

    @staticmethod
    def _record_delivery(
        conn: Connection,
        delivery_id: str | None,
        event: str,
        action: str | None,
        now: float,
        outcome: str,
        job_id: int | None,
    ) -> None:
        if delivery_id is None:
            return
        conn.execute(
            insert(Delivery).values(
                delivery_id=delivery_id,
                event=event,
                action=action,
                received_at=now,
                outcome=outcome,
                job_id=job_id,
            )
        )

    @staticmethod
    def _supersede(conn: Connection, request: JobRequest, now: float) -> list[int]:
        """A newer head cancels queued reviews of older heads and flags running ones."""
        if request.kind.value not in SUPERSEDABLE or not request.head_sha:
            return []
        same_pr = and_(
            Job.repo == request.repo,
            Job.pr == request.pr,
            Job.kind.in_(SUPERSEDABLE),
            Job.head_sha != request.head_sha,
        )
        cancelled = conn.execute(
            update(Job)
            .where(same_pr, Job.state == JobState.queued.value)
            .values(
                state=JobState.cancelled.value,
                superseded_by=request.head_sha,
                finished_at=now,
                last_error=f"superseded by {request.head_sha}",
            )
            .returning(Job.id)
        ).scalars()
        ids = list(cancelled)
        conn.execute(
            update(Job)
            .where(same_pr, Job.state == JobState.running.value)
            .values(cancel_requested=True, superseded_by=request.head_sha)
        )
        return ids

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
                self._finish(
                    conn,
                    job.id,
                    JobState.cancelled,
                    now,
                    f"superseded by {job.superseded_by} while its worker was gone",
                )
                return None
            if job.state is JobState.running and job.attempts >= job.max_attempts:
                self._finish(conn, job.id, JobState.dead, now, "lease expired on the last attempt")
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

    @staticmethod
    def _finish(conn: Connection, job_id: int, state: JobState, now: float, error: str) -> None:
        conn.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state=state.value,
                finished_at=now,
                last_error=error,
                lease_owner=None,
                lease_expires=None,
            )
        )

    def list_jobs(self, state: JobState | None = None, limit: int = 50) -> list[JobView]:
        query = select(Job.__table__).order_by(Job.id.desc()).limit(limit)
        if state is not None:
            query = query.where(Job.state == state.value)
        with reading(self.engine) as conn:
            return [job_view(row) for row in conn.execute(query)]

    def get(self, job_id: int) -> JobView | None:
        with reading(self.engine) as conn:
            row = conn.execute(select(Job.__table__).where(Job.id == job_id)).first()
        return job_view(row) if row is not None else None

    def retry(self, job_id: int) -> JobView:
        with self._tx() as conn:
            self._requeue(conn, job_id)
        retried = self.get(job_id)
        assert retried is not None
        return retried

    def _lock_pr(self, conn: Connection, job: JobView) -> None:
        """Serialise writers of one PR (a no-op here: SQLite's write lock already does)."""

    def _requeue(self, conn: Connection, job_id: int) -> JobView:
        """Put a dead or cancelled job back in the queue, attempts reset (operators only)."""
        row = conn.execute(select(Job.__table__).where(Job.id == job_id).with_for_update()).first()
        if row is None:
            raise QueueError(f"job {job_id} does not exist")
        job = job_view(row)
        if job.state not in (JobState.dead, JobState.cancelled):
            raise QueueError(
                f"job {job_id} is {job.state.value}; only dead or cancelled jobs can be retried"
            )
        self._lock_pr(conn, job)
        twin = active_twin(conn, job.repo, job.pr, job.head_sha, job.kind)
        if twin is not None:
            raise QueueError(f"job {twin} for the same PR, head and kind is already active")
        conn.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state=JobState.queued.value,
                attempts=0,
                run_after=time.time(),
                cancel_requested=False,
                superseded_by=None,
                finished_at=None,
            )
        )
        return job

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

    def depth_by_installation(self) -> dict[int, dict[str, int]]:
        inst = func.coalesce(Job.installation_id, NO_INSTALLATION)
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(inst, Job.state, func.count())
                .where(Job.state.in_((JobState.queued.value, JobState.running.value)))
                .group_by(inst, Job.state)
            ).all()
        out: dict[int, dict[str, int]] = {}
        for installation, state, count in rows:
            out.setdefault(installation, {"queued": 0, "running": 0})[state] = count
        return out

    def depth(self) -> dict[str, int]:
        with reading(self.engine) as conn:
            rows = conn.execute(select(Job.state, func.count()).group_by(Job.state))
            counts = {state.value: 0 for state in JobState}
            counts.update({state: count for state, count in rows})
        return counts

    def ping(self) -> None:
        with reading(self.engine) as conn:
            conn.execute(text("SELECT 1"))
