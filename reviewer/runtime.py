"""The composition root: settings -> database, queue, audit log, job handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from reviewer.audit.log import AuditLog
from reviewer.queue.base import JobKind, JobQueue
from reviewer.settings import Settings
from reviewer.store.db import open_database

if TYPE_CHECKING:  # the worker (and the metrics it feeds) loads only where workers run
    from reviewer.audit.signing import CheckpointSigner
    from reviewer.worker import Handler, Worker


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    queue: JobQueue
    audit: AuditLog
    handlers: dict[JobKind, Handler] = field(default_factory=dict)

    def worker(self, worker_id: str | None = None) -> Worker:
        from reviewer.worker import Worker

        return Worker(
            self.queue,
            self.handlers,
            worker_id=worker_id,
            poll_seconds=self.settings.worker_poll_seconds,
            heartbeat_seconds=max(self.settings.job_lease_seconds / 3, 0.05),
            grace_seconds=self.settings.worker_shutdown_grace_seconds,
        )


def build_runtime(settings: Settings) -> Runtime:
    """Database, queue and audit log; workers add ``reviewer.github.handlers.make_handlers``
    on top (this module never imports the layers above it)."""
    engine = open_database(settings.database_url)
    queue = make_queue(settings, engine)
    return Runtime(settings=settings, engine=engine, queue=queue, audit=audit_log(settings, engine))


def make_queue(settings: Settings, engine: Engine) -> JobQueue:
    """procrastinate on PostgreSQL, the SQL queue on SQLite (``REVIEWER_QUEUE_BACKEND``
    can force the SQL queue on PostgreSQL too)."""
    backend = settings.queue_backend
    if backend == "auto":
        backend = "procrastinate" if engine.dialect.name == "postgresql" else "sql"
    options: dict[str, Any] = {
        "max_attempts": settings.job_max_attempts,
        "lease_seconds": settings.job_lease_seconds,
        "backoff_base": settings.job_backoff_base_seconds,
        "installation_concurrency": settings.queue_installation_concurrency,
        "max_depth": settings.queue_max_depth,
    }
    if backend == "procrastinate":
        from reviewer.queue.procrastinate import ProcrastinateJobQueue

        return ProcrastinateJobQueue(engine, **options)
    from reviewer.queue.sqlite import SqliteJobQueue  # the ORM: not needed by the audit log

    return SqliteJobQueue(engine, **options)


def audit_log(settings: Settings, engine: Engine) -> AuditLog:
    """The audit log alone, as ``reviewer review`` records into it (no queue, no ORM)."""
    return AuditLog(engine, audit_signer(settings), settings.audit_checkpoint_every)


def audit_signer(settings: Settings) -> CheckpointSigner | None:
    value = settings.audit_signing_key.get_secret_value() if settings.audit_signing_key else ""
    if not value:
        return None
    from reviewer.audit.signing import CheckpointSigner  # cryptography: only with a key

    return CheckpointSigner.from_setting(value)
