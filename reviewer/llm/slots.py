"""A per-process cap on model calls in flight, shared by every worker thread's event loop.

Each worker thread runs its own asyncio loop, so an ``asyncio.Semaphore`` cannot be
shared; a ``threading.BoundedSemaphore`` polled without blocking can, and a cancelled
waiter holds nothing. The bound across a deployment is
``REVIEWER_MODEL_MAX_IN_FLIGHT x worker processes`` (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reviewer import metrics

_slots = threading.BoundedSemaphore(16)
_limit = 16


def configure(limit: int) -> None:
    """Set the cap (at process start, before any call)."""
    global _slots, _limit
    _slots, _limit = threading.BoundedSemaphore(limit), limit


def limit() -> int:
    return _limit


@asynccontextmanager
async def model_slot() -> AsyncIterator[None]:
    slots = _slots
    while not slots.acquire(blocking=False):
        await asyncio.sleep(0.02)
    metrics.MODEL_CALLS_IN_FLIGHT.inc()
    try:
        yield
    finally:
        metrics.MODEL_CALLS_IN_FLIGHT.dec()
        slots.release()
