"""One SDK client per event loop.

The async SDK clients keep an ``httpx.AsyncClient`` whose connections belong to the loop
that opened them. Each worker thread runs its own loop, so one client shared by the
process worked for the first review and broke every later one on another loop. A provider
asks :class:`PerLoop` for its client and gets the one made for the running loop.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> Awaitable[None]: ...


C = TypeVar("C", bound=_Closable)


class PerLoop(Generic[C]):
    """Clients made by ``factory``, one per running loop, dropped with their loop."""

    def __init__(self, factory: Callable[[], C]) -> None:
        self._factory = factory
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, C] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self) -> C:
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.get(loop)
            if client is None:
                client = self._clients[loop] = self._factory()
            return client

    async def aclose(self) -> None:
        """Close the running loop's client (the others close with their loops' threads)."""
        with self._lock:
            client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()
