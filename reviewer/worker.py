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
import time
from collections.abc import Awaitable, Callable, Mapping

import structlog

from reviewer import metrics
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


class ShuttingDown(ReviewerError):
    """The worker is stopping and the job did not finish within the grace period."""


class JobControl:
    """What a running handler may ask of the worker."""

    def __init__(self, job: JobView) -> None:
        self.job = job
        self.superseded_by: str | None = None
        self.lease_lost = False
        self.shutting_down = False
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
        grace_seconds: float = 30.0,
    ) -> None:
        self.queue = queue
        self.handlers = handlers
        self.worker_id = worker_id or default_worker_id()
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.grace_seconds = grace_seconds
        self.stop = threading.Event()

    async def _watch_shutdown(self, control: JobControl, task: asyncio.Task[None]) -> None:
        """On stop, let the job run up to the grace period, then cancel it (it is released)."""
        while not task.done() and not self.stop.is_set():
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + self.grace_seconds
        while not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not task.done():
            control.shutting_down = True
            task.cancel()

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
        started = time.monotonic()
        if job.attempts == 1 and job.started_at is not None:
            metrics.JOB_QUEUE_WAIT.labels(kind=job.kind.value).observe(
                max(job.started_at - job.created_at, 0.0)
            )
        structlog.contextvars.bind_contextvars(
            installation_id=job.installation_id,
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
            watch = asyncio.ensure_future(self._watch_shutdown(control, task))
            try:
                await task
            except asyncio.CancelledError:
                if control.shutting_down:
                    raise ShuttingDown("not finished within the shutdown grace period") from None
                raise
            finally:
                beat.cancel()
                watch.cancel()
            self.queue.complete(job.id, self.worker_id)
            log.info("job.done", attempts=job.attempts)
            metrics.JOB_END_TO_END.labels(kind=job.kind.value).observe(
                max(time.time() - job.created_at, 0.0)
            )
            return self._finished(job, started, "done", JobState.done)
        except Superseded as exc:
            self.queue.cancel(job.id, self.worker_id, str(exc))
            log.info("job.superseded", by=exc.sha)
            return self._finished(job, started, "superseded", JobState.cancelled)
        except ShuttingDown as exc:
            self.queue.release(job.id, self.worker_id, str(exc))
            log.warning("job.released", reason=str(exc))
            return self._finished(job, started, "released", JobState.queued)
        except (LeaseLost, asyncio.CancelledError):
            log.warning("job.lease_lost")
            return self._finished(job, started, "lease_lost", JobState.running)
        except PermanentJobError as exc:
            log.error("job.dead", error=str(exc))
            state = self.queue.fail(job.id, self.worker_id, str(exc), retryable=False)
            return self._finished(job, started, "dead", state)
        except Exception as exc:
            state = self.queue.fail(job.id, self.worker_id, f"{type(exc).__name__}: {exc}")
            log.exception("job.failed", next_state=state.value)
            outcome = "retry" if state is JobState.queued else state.value
            return self._finished(job, started, outcome, state)
        finally:
            structlog.contextvars.unbind_contextvars(
                "installation_id", "job_id", "repo", "pr", "head_sha", "delivery_id"
            )

    @staticmethod
    def _finished(job: JobView, started: float, outcome: str, state: JobState) -> JobState:
        metrics.JOB_DURATION.labels(kind=job.kind.value).observe(time.monotonic() - started)
        if outcome == "dead" or state is JobState.dead:
            outcome = "dead"
        metrics.JOBS_FINISHED.labels(outcome=outcome).inc()
        return state

    async def run_once(self) -> bool:
        """Claim and run one job; False when nothing was runnable."""
        claimed = await asyncio.to_thread(self.queue.claim, self.worker_id)
        if claimed is None:
            return False
        await self.run_job(claimed.job)
        return True

    async def run(self, stop: threading.Event | None = None, max_jobs: int | None = None) -> int:
        """Work until ``stop`` is set (or ``max_jobs`` ran); returns how many jobs ran.

        A job running when ``stop`` is set may finish within ``grace_seconds``; after that
        it is cancelled and released to the queue (its attempt not counted)."""
        if stop is not None:
            self.stop = stop
        stop = self.stop
        done = 0
        log.info("worker.started", worker_id=self.worker_id)
        try:
            while not stop.is_set() and (max_jobs is None or done < max_jobs):
                if await self.run_once():
                    done += 1
                    continue
                await asyncio.to_thread(stop.wait, self.poll_seconds)
        finally:
            try:
                await asyncio.to_thread(self.queue.close_worker, self.worker_id)
            except Exception as exc:  # the database may be gone at shutdown
                log.warning("worker.close_failed", error=f"{type(exc).__name__}: {exc}")
        log.info("worker.stopped", worker_id=self.worker_id, jobs=done)
        return done
