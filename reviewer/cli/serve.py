"""``reviewer serve`` (API, with an in-process worker by default) and ``reviewer worker``.

Both stop gracefully on SIGTERM (and SIGINT): workers take no new job, a running job may
finish within ``REVIEWER_WORKER_SHUTDOWN_GRACE_SECONDS``, after which it is released to
the queue for another worker. Processes that run workers also run the redelivery sweeper.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import friendly_errors, note, settings

if TYPE_CHECKING:
    from reviewer.runtime import Runtime


def _start_workers(runtime: Runtime, count: int, stop: threading.Event) -> list[threading.Thread]:
    import asyncio

    threads = []
    for index in range(count):
        worker = runtime.worker()
        thread = threading.Thread(
            target=lambda w=worker: asyncio.run(w.run(stop)), name=f"worker-{index}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


def _start_sweeper(runtime: Runtime, stop: threading.Event) -> threading.Thread | None:
    """Background work of a process that runs workers: the redelivery sweeper and the
    feedback poller (both need the App's credentials)."""
    from reviewer.errors import ConfigError
    from reviewer.feedback import start_poller
    from reviewer.github.auth import AppCredentials
    from reviewer.github.redeliver import start_sweeper

    try:
        creds = AppCredentials.from_settings(runtime.settings)
    except ConfigError:
        return None
    start_poller(runtime, creds, stop, runtime.settings.feedback_poll_seconds)
    return start_sweeper(
        creds,
        runtime.engine,
        stop,
        every_seconds=runtime.settings.redelivery_sweep_seconds,
        lookback_hours=runtime.settings.redelivery_lookback_hours,
    )


def _join(threads: list[threading.Thread], grace: float) -> None:
    """Wait for workers to finish or release their jobs (they cancel at ``grace``)."""
    for thread in threads:
        thread.join(timeout=grace + 10)


def _anchor(runtime: Runtime) -> None:
    """A checkpoint of the chain head on every shutdown (signed when a key is set)."""
    from reviewer.logs import log

    log.info("audit.checkpoint", seq=runtime.audit.checkpoint_now())


@friendly_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, metavar="PORT", help="Port to listen on."),
    no_worker: bool = typer.Option(False, "--no-worker", help="Serve the API only."),
    workers: int = typer.Option(1, "--workers", min=1, help="In-process worker threads."),
    insecure_no_signature: bool = typer.Option(
        False, "--insecure-no-signature", help="Accept unsigned webhooks (local testing only)."
    ),
) -> None:
    """Receive GitHub webhooks and review pull requests."""
    import uvicorn

    from reviewer.app import create_app
    from reviewer.audit.api import audit_router
    from reviewer.github.handlers import make_handlers
    from reviewer.llm import slots
    from reviewer.logs import configure_logging, log
    from reviewer.runtime import build_runtime

    config = settings()
    configure_logging(config.log_format, config.log_level)
    runtime = build_runtime(config)
    stop = threading.Event()
    routers = []
    if config.audit_token is not None:
        from reviewer.report.decisions import start_indexer
        from reviewer.web.pages import audit_pages_router

        token = config.audit_token.get_secret_value()
        routers.append(audit_router(runtime.audit, token))
        routers.append(audit_pages_router(runtime.audit, token, config.audit_session_seconds))
        start_indexer(runtime.engine, stop)
    app = create_app(
        config, runtime.queue, require_signature=not insecure_no_signature, routers=routers
    )
    if insecure_no_signature and config.webhook_secret is None:
        note("warning: accepting unsigned webhooks")
    slots.configure(config.model_max_in_flight)
    if not no_worker:
        runtime.handlers.update(make_handlers(runtime))
        _start_sweeper(runtime, stop)
    threads = [] if no_worker else _start_workers(runtime, workers, stop)
    # uvicorn handles SIGTERM/SIGINT (stops accepting, finishes open requests), then raises
    # the signal again for the handler it found: ours stops the workers instead of the
    # default one killing the process before they finish and the audit tail is anchored.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        log.info("shutdown.started", grace_seconds=config.worker_shutdown_grace_seconds)
        stop.set()
        _join(threads, config.worker_shutdown_grace_seconds)
        _anchor(runtime)


@friendly_errors
def worker(
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="Jobs run at once."),
    once: bool = typer.Option(False, "--once", help="Run until the queue is empty, then exit."),
    metrics_port: int = typer.Option(
        0,
        "--metrics-port",
        min=0,
        metavar="PORT",
        help="Serve Prometheus /metrics on this port (0: off).",
    ),
) -> None:
    """Run workers only (API-less hosts); any number may share one database."""
    from reviewer import metrics
    from reviewer.github.handlers import make_handlers
    from reviewer.llm import slots
    from reviewer.logs import configure_logging, log
    from reviewer.runtime import build_runtime

    config = settings()
    configure_logging(config.log_format, config.log_level)
    runtime = build_runtime(config)
    if metrics_port:
        token = config.metrics_token.get_secret_value() if config.metrics_token else None
        metrics.serve_metrics(metrics_port, runtime.queue, token=token)
    runtime.handlers.update(make_handlers(runtime))
    slots.configure(config.model_max_in_flight)
    if once:
        import asyncio

        asyncio.run(_drain(runtime))
        _anchor(runtime)
        return
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second signal: stop waiting for the grace period
            raise KeyboardInterrupt
        log.info(
            "shutdown.started",
            signal=signal.Signals(signum).name,
            grace_seconds=config.worker_shutdown_grace_seconds,
        )
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    _start_sweeper(runtime, stop)
    threads = _start_workers(runtime, concurrency, stop)
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
    _anchor(runtime)
    log.info("shutdown.done")


async def _drain(runtime: Runtime) -> None:
    worker = runtime.worker()
    while await worker.run_once():
        pass
