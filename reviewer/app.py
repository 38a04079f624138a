"""The HTTP face of the service: webhook intake, health, readiness and metrics.

Intake does the least that makes a delivery durable (verify, parse, route, enqueue) and
answers; reviews happen in workers. Nothing here calls GitHub or a model, and nothing runs
after the response, so the acknowledgement GitHub sees means "persisted" and is fast.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from reviewer import metrics
from reviewer.bearer import require_bearer
from reviewer.errors import ConfigError, InvalidSignature, WebhookError
from reviewer.logs import log
from reviewer.queue.base import EnqueueOutcome, JobQueue
from reviewer.settings import Settings
from reviewer.web.http import AuditHeaders
from reviewer.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    Ignored,
    bot_login,
    parse,
    route,
    verify_signature,
)


@dataclass(frozen=True, slots=True)
class Answer:
    """What intake tells GitHub; ``outcome`` is the metrics label."""

    status_code: int
    body: dict[str, Any]
    outcome: str


class BodyTooLarge(WebhookError):
    status = 413


class Intake:
    """Synchronous webhook handling: from raw bytes to a persisted job and an answer.

    Runs in a worker thread because the queue is synchronous SQLAlchemy; the event loop
    only reads the body. The thread runs in a copy of the request's context, so the
    fields bound here reach every log line of the delivery, including the last one.
    """

    def __init__(self, queue: JobQueue, secret: bytes | None, bot: str | None) -> None:
        self._queue = queue
        self._secret = secret
        self._bot = bot

    def respond(self, headers: Mapping[str, str], body: bytes, started: float) -> Answer:
        try:
            answer = self.handle(headers, body)
        except WebhookError as exc:
            answer = rejected(exc)
        except Exception:
            log.exception("webhook handling failed")
            answer = Answer(500, {"status": "error", "reason": "internal error"}, "error")
        record(answer, started, trusted=self._secret is None or answer.outcome != "bad_signature")
        return answer

    def handle(self, headers: Mapping[str, str], body: bytes) -> Answer:
        """Verify before parsing or writing anything: unsigned bytes never reach JSON or SQL."""
        lowered = {key.lower(): value for key, value in headers.items()}
        if self._secret is not None:
            verify_signature(self._secret, body, lowered.get(SIGNATURE_HEADER.lower()))
        delivery = parse(lowered, body)
        structlog.contextvars.bind_contextvars(action=delivery.action)
        routed = route(delivery, self._bot)
        if isinstance(routed, Ignored):
            return Answer(200, {"status": "ignored", "reason": routed.reason}, "ignored")
        structlog.contextvars.bind_contextvars(
            repo=routed.repo, pr=routed.pr, head_sha=routed.head_sha or None
        )
        result = self._queue.enqueue(routed, delivery.delivery_id, delivery.event, delivery.action)
        if result.outcome is EnqueueOutcome.queued:
            if result.superseded:
                log.info("superseded queued jobs", superseded=result.superseded)
            return Answer(202, {"status": "queued", "job_id": result.job_id}, "queued")
        reason = (
            "delivery already received"
            if result.outcome is EnqueueOutcome.duplicate_delivery
            else "the same job is already queued or running"
        )
        answer: dict[str, Any] = {"status": "duplicate", "reason": reason}
        if result.job_id is not None:
            answer["job_id"] = result.job_id
        return Answer(200, answer, result.outcome.value)


def rejected(error: WebhookError) -> Answer:
    if isinstance(error, InvalidSignature):
        outcome = "bad_signature"
    elif isinstance(error, BodyTooLarge):
        outcome = "too_large"
    else:
        outcome = "bad_request"
    return Answer(error.status, {"status": "rejected", "reason": str(error)}, outcome)


def record(answer: Answer, started: float, *, trusted: bool) -> None:
    """Metrics and the one log line per delivery.

    Only a delivery whose signature checked out (or was deliberately not checked) names its
    event in a metric label, so forged requests cannot mint new time series.
    """
    elapsed = time.perf_counter() - started
    event = structlog.contextvars.get_contextvars().get("github_event") or "unknown"
    metrics.WEBHOOK_DELIVERIES.labels(
        event=event if trusted else "unknown", outcome=answer.outcome
    ).inc()
    metrics.WEBHOOK_LATENCY.labels(outcome=answer.outcome).observe(elapsed)
    extra = {key: answer.body[key] for key in ("reason", "job_id") if key in answer.body}
    log.info(
        "webhook",
        status=answer.status_code,
        outcome=answer.outcome,
        duration_ms=round(elapsed * 1000, 2),
        **extra,
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) before buffering more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise WebhookError("malformed Content-Length header") from None
        if size > limit:
            raise BodyTooLarge(f"body of {size} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge(f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _webhook_router(intake: Intake, max_body_bytes: int) -> APIRouter:
    router = APIRouter()

    @router.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(
            delivery_id=request.headers.get(DELIVERY_HEADER, "")[:64] or None,
            # Not "event": that key is structlog's message.
            github_event=request.headers.get(EVENT_HEADER, "")[:64] or None,
        ):
            try:
                body = await read_body(request, max_body_bytes)
            except WebhookError as exc:  # unread, so unverified: never trusted
                answer = rejected(exc)
                record(answer, started, trusted=False)
            else:
                answer = await run_in_threadpool(intake.respond, request.headers, body, started)
        return JSONResponse(answer.body, status_code=answer.status_code)

    return router


def _ops_router(queue: JobQueue, max_depth: int) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        try:
            queue.ping()
        except Exception as exc:
            reason = f"database unreachable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
            log.warning("not ready", reason=reason)
            return JSONResponse({"status": "unavailable", "reason": reason[:300]}, 503)
        # Over the depth we still accept webhooks (200: never drop work), and say so.
        try:
            queued = queue.depth().get("queued", 0)
        except Exception:
            queued = 0
        if queued > max_depth:
            return JSONResponse(
                {
                    "status": "degraded",
                    "reason": f"{queued} jobs queued, above REVIEWER_QUEUE_MAX_DEPTH={max_depth}",
                    "queued": queued,
                }
            )
        return JSONResponse({"status": "ok"})

    return router


def _metrics_router(queue: JobQueue, max_depth: int, token: str | None) -> APIRouter:
    """``/metrics``; behind ``REVIEWER_METRICS_TOKEN`` when set (queue depths and delivery
    counts tell an outsider how busy and how large the installation is)."""
    guard = [Depends(require_bearer(token, "metrics"))] if token else []
    router = APIRouter(dependencies=guard)

    @router.get("/metrics")
    def scrape() -> Response:
        return Response(metrics.render(queue, max_depth), media_type=metrics.CONTENT_TYPE)

    return router


def create_app(
    settings: Settings,
    queue: JobQueue,
    *,
    require_signature: bool = True,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The ASGI app. ``routers`` are mounted as given: the place for ``/api/audit``, which
    its caller builds from its own dependencies (engine, audit token).

    Refuses to build without ``REVIEWER_WEBHOOK_SECRET`` unless ``require_signature`` is
    False (``--insecure-no-signature``): failing closed at start-up beats accepting forged
    deliveries quietly.
    """
    secret = (
        settings.webhook_secret.get_secret_value().encode() if settings.webhook_secret else None
    )
    if not secret:
        secret = None
        if require_signature:
            raise ConfigError(
                "REVIEWER_WEBHOOK_SECRET is not set: refusing to accept unsigned webhooks. "
                "Set it to the App's webhook secret, or pass --insecure-no-signature "
                "(local testing only)."
            )
        log.warning("webhook signatures are NOT verified (--insecure-no-signature)")
    intake = Intake(queue, secret, bot_login(settings.github_app_slug))

    app = FastAPI(
        title="PR reviewer", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json"
    )
    app.include_router(_webhook_router(intake, settings.max_body_bytes))
    app.include_router(_ops_router(queue, settings.queue_max_depth))
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.include_router(_metrics_router(queue, settings.queue_max_depth, token))
    for router in routers:
        app.include_router(router)
    app.add_middleware(AuditHeaders)
    return app
