"""The durable job queue: a port and its implementations (SQLite embedded, procrastinate)."""

from reviewer.queue.base import (
    Claimed,
    EnqueueOutcome,
    EnqueueResult,
    JobKind,
    JobQueue,
    JobRequest,
    JobState,
    JobView,
)

__all__ = [
    "Claimed",
    "EnqueueOutcome",
    "EnqueueResult",
    "JobKind",
    "JobQueue",
    "JobRequest",
    "JobState",
    "JobView",
]
