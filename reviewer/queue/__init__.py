"""The durable job queue: a port and its implementations (SQLite embedded, procrastinate).

Exports load on first use, so ``reviewer.queue.states`` (the enums the CLI offers as
choices) can be imported without loading pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewer.queue.base import (
        Claimed,
        EnqueueOutcome,
        EnqueueResult,
        JobQueue,
        JobRequest,
        JobView,
    )
    from reviewer.queue.states import JobKind, JobState

_WHERE = {
    "Claimed": "base",
    "EnqueueOutcome": "base",
    "EnqueueResult": "base",
    "JobKind": "states",
    "JobQueue": "base",
    "JobRequest": "base",
    "JobState": "states",
    "JobView": "base",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
