"""Serve an ASGI app on loopback in a background thread, for tests.

Used by every fake (GitHub, Anthropic, OpenAI): the real SDKs and the real HTTP
stack talk to the fake over a real socket.

    with running(app) as base_url:        # "http://127.0.0.1:54321"
        ...

    base_url, stop = serve_in_thread(app)
    try:
        ...
    finally:
        stop()

Starting and stopping uvicorn costs ~0.2 s (its shutdown polls at 0.1 s), so for
many tests serve one :class:`SwappableApp` per session and mount each test's
fresh fake into it:

    slot = SwappableApp()
    with running(slot) as base_url:
        slot.app = FakeGitHub(...).app   # per test
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["SwappableApp", "running", "serve_in_thread"]


def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", startup_timeout: float = 10.0
) -> tuple[str, Callable[[], None]]:
    """Start uvicorn on ``host`` with an OS-chosen port; return ``(base_url, stop)``.

    ``stop()`` asks the server to exit, closes idle keep-alive connections and joins
    the thread; it is idempotent.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=0,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        # The fake must never be the slow side of a keep-alive race in tests.
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def _run() -> None:
        try:
            server.run()
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)

    thread = threading.Thread(target=_run, name=f"fake-server-{id(app):x}", daemon=True)
    thread.start()

    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if errors or not thread.is_alive():
            raise RuntimeError(f"fake server failed to start: {errors[:1]!r}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("fake server did not start in time")
        time.sleep(0.005)

    port = _bound_port(server)
    base_url = f"http://{host}:{port}"
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.should_exit = True
        thread.join(timeout=10)

    return base_url, stop


def free_port() -> int:
    """A loopback port free right now, for a child process to bind (the kernel hands out
    ephemeral ports in turn, so parallel test workers do not get the same one back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _bound_port(server: uvicorn.Server) -> int:
    for srv in server.servers:
        for sock in srv.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("uvicorn started without a listening socket")


@contextmanager
def running(app: Any, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Context manager form of :func:`serve_in_thread`; yields the base URL."""
    base_url, stop = serve_in_thread(app, host=host)
    try:
        yield base_url
    finally:
        stop()


class SwappableApp:
    """An ASGI app forwarding to ``self.app``, which tests may replace at any time.

    With no app mounted it answers 503 ``{"message": "no app mounted"}``.
    """

    def __init__(self, app: Any = None) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self.app
        if app is not None:
            await app(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        body = b'{"message":"no app mounted"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
