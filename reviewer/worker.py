"""Claims jobs, runs their handler under a renewed lease, and records the outcome.

A handler is ``async (job, control) -> None``. It calls ``control.checkpoint()`` between
stages; when a newer head SHA superseded the job, that raises ``Superseded`` and the job
ends ``cancelled``. A lost lease (another worker reclaimed the job) aborts the handler.
Errors retry with jittered backoff; ``PermanentJobError`` goes straight to dead letters.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Awaitable, Callable, Mapping

import structlog

from reviewer.errors import ReviewerError
from reviewer.queue.base import JobKind, JobQueue, JobState, JobView

log = structlog.get_logger("reviewer.worker")


class Superseded(ReviewerError):
    """A newer head SHA arrived while this job ran."""

    def __init__(self, sha: str | None) -> None:
        super().__init__(f"superseded by {sha or 'a newer push'}")
        self.sha = sha


class PermanentJobError(ReviewerError):
    """Retrying cannot help (e.g. the repository is gone); dead-letter at once."""


class LeaseLost(ReviewerError):
    """Another worker reclaimed this job; stop without writing anything."""


class JobControl:
    """What a running handler may ask of the worker."""

    def __init__(self, job: JobView) -> None:
        self.job = job
        self.superseded_by: str | None = None
        self.lease_lost = False
        self.cancelled = asyncio.Event()

    @property
    def final_attempt(self) -> bool:
        return self.job.attempts >= self.job.max_attempts

    def checkpoint(self) -> None:
        if self.lease_lost:
            raise LeaseLost(f"job {self.job.id} was reclaimed by another worker")
        if self.cancelled.is_set():
            raise Superseded(self.superseded_by)


Handler = Callable[[JobView, JobControl], Awaitable[None]]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker:
    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[JobKind, Handler],
        *,
        worker_id: str | None = None,
        poll_seconds: float = 0.5,
        heartbeat_seconds: float = 10.0,
    ) -> None:
        self.queue = queue
        self.handlers = handlers
        self.worker_id = worker_id or default_worker_id()
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds

    async def _heartbeat(self, control: JobControl, task: asyncio.Task[None]) -> None:
        while not task.done():
            await asyncio.sleep(self.heartbeat_seconds)
            beat = await asyncio.to_thread(self.queue.heartbeat, control.job.id, self.worker_id)
            if not beat.lease_held:
                control.lease_lost = True
                task.cancel()
                return
            if beat.cancel_requested and not control.cancelled.is_set():
                control.superseded_by = beat.superseded_by
                control.cancelled.set()

    async def run_job(self, job: JobView) -> JobState:
        """Run one claimed job to an outcome; never raises for handler failures."""
        handler = self.handlers.get(job.kind)
        structlog.contextvars.bind_contextvars(
            job_id=job.id,
            repo=job.repo,
            pr=job.pr,
            head_sha=job.head_sha,
            delivery_id=job.delivery_id,
        )
        try:
            if handler is None:
                self.queue.fail(job.id, self.worker_id, f"no handler for {job.kind}", False)
                return JobState.dead
            control = JobControl(job)
            task = asyncio.ensure_future(handler(job, control))
            beat = asyncio.ensure_future(self._heartbeat(control, task))
            try:
                await task
            finally:
                beat.cancel()
            self.queue.complete(job.id, self.worker_id)
            log.info("job.done", attempts=job.attempts)
            return JobState.done
        except Superseded as exc:
            self.queue.cancel(job.id, self.worker_id, str(exc))
            log.info("job.superseded", by=exc.sha)
            return JobState.cancelled
        except (LeaseLost, asyncio.CancelledError):
            log.warning("job.lease_lost")
            return JobState.running
        except PermanentJobError as exc:
            log.error("job.dead", error=str(exc))
            return self.queue.fail(job.id, self.worker_id, str(exc), retryable=False)
        except Exception as exc:
            state = self.queue.fail(job.id, self.worker_id, f"{type(exc).__name__}: {exc}")
            log.exception("job.failed", next_state=state.value)
            return state
        finally:
            structlog.contextvars.unbind_contextvars(
                "job_id", "repo", "pr", "head_sha", "delivery_id"
            )

    async def run_once(self) -> bool:
        """Claim and run one job; False when nothing was runnable."""
        claimed = await asyncio.to_thread(self.queue.claim, self.worker_id)
        if claimed is None:
            return False
        await self.run_job(claimed.job)
        return True

    async def run(self, stop: threading.Event | None = None, max_jobs: int | None = None) -> int:
        """Work until ``stop`` is set (or ``max_jobs`` ran); returns how many jobs ran."""
        stop = stop or threading.Event()
        done = 0
        log.info("worker.started", worker_id=self.worker_id)
        while not stop.is_set() and (max_jobs is None or done < max_jobs):
            if await self.run_once():
                done += 1
                continue
            await asyncio.to_thread(stop.wait, self.poll_seconds)
        log.info("worker.stopped", worker_id=self.worker_id, jobs=done)
        return done
