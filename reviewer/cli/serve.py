"""``reviewer serve`` (API, with an in-process worker by default) and ``reviewer worker``."""

from __future__ import annotations

import asyncio
import threading

import typer
import uvicorn

from reviewer.cli.common import friendly_errors, settings, stderr
from reviewer.logs import configure_logging
from reviewer.runtime import Runtime, build_runtime, github_handlers


def _start_workers(runtime: Runtime, count: int, stop: threading.Event) -> list[threading.Thread]:
    threads = []
    for index in range(count):
        worker = runtime.worker()
        thread = threading.Thread(
            target=lambda w=worker: asyncio.run(w.run(stop)), name=f"worker-{index}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


@friendly_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    no_worker: bool = typer.Option(False, "--no-worker", help="Serve the API only."),
    workers: int = typer.Option(1, "--workers", min=1, help="In-process worker threads."),
    insecure_no_signature: bool = typer.Option(
        False, "--insecure-no-signature", help="Accept unsigned webhooks (local testing only)."
    ),
) -> None:
    """Receive GitHub webhooks and review pull requests."""
    from reviewer.app import create_app
    from reviewer.audit_api import audit_router

    config = settings()
    configure_logging(config.log_format, config.log_level)
    runtime = build_runtime(config)
    routers = []
    if config.audit_token is not None:
        routers.append(audit_router(runtime.audit, config.audit_token.get_secret_value()))
    app = create_app(
        config, runtime.queue, require_signature=not insecure_no_signature, routers=routers
    )
    if insecure_no_signature and config.webhook_secret is None:
        stderr.print("warning: accepting unsigned webhooks", highlight=False)
    stop = threading.Event()
    if not no_worker:
        runtime.handlers.update(github_handlers(runtime))
    threads = [] if no_worker else _start_workers(runtime, workers, stop)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


@friendly_errors
def worker(
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="Jobs run at once."),
    once: bool = typer.Option(False, "--once", help="Run until the queue is empty, then exit."),
) -> None:
    """Run workers only (API-less hosts); any number may share one database."""
    config = settings()
    configure_logging(config.log_format, config.log_level)
    runtime = build_runtime(config)
    runtime.handlers.update(github_handlers(runtime))
    if once:
        asyncio.run(_drain(runtime))
        return
    stop = threading.Event()
    threads = _start_workers(runtime, concurrency, stop)
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=1)
    except KeyboardInterrupt:
        stop.set()


async def _drain(runtime: Runtime) -> None:
    worker = runtime.worker()
    while await worker.run_once():
        pass
