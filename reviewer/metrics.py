"""Prometheus metrics of the service, in one module-level registry.

The registry is ours, not prometheus-client's global default, so tests can build many apps
in one process without "duplicated timeseries" errors, and so library metrics we did not
choose never appear on ``/metrics``. Intake, worker, model and GitHub code record into the
objects below; queue depth is read from the queue on each scrape rather than tracked by
hand, so it can never drift from the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reviewer.logs import log
from reviewer.queue.base import JobQueue, JobState

CONTENT_TYPE = CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOK_DELIVERIES = Counter(
    "reviewer_webhook_deliveries_total",
    "Webhook deliveries by event and outcome (queued, duplicate_delivery, duplicate_job, "
    "ignored, bad_signature, bad_request, too_large, error).",
    ["event", "outcome"],
    registry=REGISTRY,
)
WEBHOOK_LATENCY = Histogram(
    "reviewer_webhook_handle_seconds",
    "Time from receiving a webhook to answering it.",
    ["outcome"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "reviewer_job_duration_seconds",
    "Wall time of one job attempt, by job kind.",
    ["kind"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200),
    registry=REGISTRY,
)
JOB_QUEUE_WAIT = Histogram(
    "reviewer_job_queue_wait_seconds",
    "Time from a job being queued to its first start, by job kind.",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
JOB_END_TO_END = Histogram(
    "reviewer_job_end_to_end_seconds",
    "Time from a job being queued to it being done (all attempts), by job kind.",
    ["kind"],
    buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
REDELIVERIES = Counter(
    "reviewer_redeliveries_total",
    "Failed webhook deliveries we asked GitHub to redeliver (the redelivery sweeper).",
    registry=REGISTRY,
)
MODEL_CALLS_IN_FLIGHT = Gauge(
    "reviewer_model_calls_in_flight",
    "Model calls in flight in this process (capped by REVIEWER_MODEL_MAX_IN_FLIGHT).",
    registry=REGISTRY,
)
JOBS_FINISHED = Counter(
    "reviewer_jobs_finished_total",
    "Job attempts finished, by outcome (done, retry, dead, superseded, released, lease_lost).",
    ["outcome"],
    registry=REGISTRY,
)
MODEL_TOKENS = Counter(
    "reviewer_model_tokens_total",
    "Model tokens; kind is input, output or cached.",
    ["provider", "model", "kind"],
    registry=REGISTRY,
)
MODEL_COST = Counter(
    "reviewer_model_cost_usd_total",
    "Model spend in US dollars; kind is the token kind the money was spent on.",
    ["provider", "model", "kind"],
    registry=REGISTRY,
)
GITHUB_REQUESTS = Counter(
    "reviewer_github_requests_total",
    "GitHub API requests by HTTP method and response status.",
    ["method", "status"],
    registry=REGISTRY,
)
GITHUB_RATE_LIMIT_REMAINING = Gauge(
    "reviewer_github_rate_limit_remaining",
    "X-RateLimit-Remaining of the latest GitHub response, by rate-limit resource.",
    ["resource"],
    registry=REGISTRY,
)
FEEDBACK_HELPFUL_RATE = Gauge(
    "reviewer_feedback_helpful_rate",
    "Share of rated findings engineers found helpful, by scope (rule or subagent) and name; "
    "set by each feedback poll cycle and report (reviewer.feedback).",
    ["scope", "name"],
    registry=REGISTRY,
)
FEEDBACK_RATED = Gauge(
    "reviewer_feedback_rated_findings",
    "Findings with at least one explicit rating, by scope (rule or subagent) and name.",
    ["scope", "name"],
    registry=REGISTRY,
)


def github_response(method: str, status: str, headers: Mapping[str, Any] | None) -> None:
    """Count one GitHub response and remember the rate limit it reported."""
    GITHUB_REQUESTS.labels(method=method.upper(), status=status).inc()
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    remaining = lowered.get("x-ratelimit-remaining")
    if remaining is not None:
        with contextlib.suppress(TypeError, ValueError):
            GITHUB_RATE_LIMIT_REMAINING.labels(
                resource=str(lowered.get("x-ratelimit-resource", "core"))
            ).set(float(remaining))


class QueueDepthCollector(Collector):
    """``reviewer_queue_jobs{state}``, ``reviewer_queue_installation_jobs{installation,
    state}`` (installations with queued or running work) and ``reviewer_queue_backpressure``
    read from the queue at scrape time."""

    def __init__(self, queue: JobQueue, max_depth: int | None = None) -> None:
        self._queue = queue
        self._max_depth = max_depth

    def collect(self) -> Iterable[Metric]:
        try:
            depth = self._queue.depth()
        except Exception as exc:  # a scrape must not fail because the database did
            log.warning("queue depth unavailable", error=f"{type(exc).__name__}: {exc}")
            return
        family = GaugeMetricFamily(
            "reviewer_queue_jobs", "Jobs in the queue by state.", labels=["state"]
        )
        for state in JobState:
            family.add_metric([state.value], depth.get(state.value, 0))
        yield family
        if self._max_depth is not None:
            pressure = GaugeMetricFamily(
                "reviewer_queue_backpressure",
                "1 while more jobs are queued than REVIEWER_QUEUE_MAX_DEPTH: installations "
                "over their share run one job at a time; nothing is dropped.",
            )
            pressure.add_metric([], 1.0 if depth.get("queued", 0) > self._max_depth else 0.0)
            yield pressure
        try:
            per_installation = self._queue.depth_by_installation()
        except Exception as exc:
            log.warning("queue depth unavailable", error=f"{type(exc).__name__}: {exc}")
            return
        family = GaugeMetricFamily(
            "reviewer_queue_installation_jobs",
            "Queued and running jobs per installation (0: no installation).",
            labels=["installation", "state"],
        )
        for installation, counts in sorted(per_installation.items()):
            for name, count in sorted(counts.items()):
                family.add_metric([str(installation), name], count)
        yield family


class _Scrape(Collector):
    """The shared registry plus one app's queue, collected together for one exposition."""

    def __init__(self, queue: JobQueue | None, max_depth: int | None = None) -> None:
        self._queue = queue
        self._max_depth = max_depth

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        if self._queue is not None:
            yield from QueueDepthCollector(self._queue, self._max_depth).collect()


def render(queue: JobQueue | None = None, max_depth: int | None = None) -> bytes:
    """The Prometheus text exposition for ``/metrics`` (serve it with :data:`CONTENT_TYPE`)."""
    return generate_latest(_Scrape(queue, max_depth))


def serve_metrics(
    port: int, queue: JobQueue | None = None, addr: str = "0.0.0.0", token: str | None = None
) -> None:
    """A ``/metrics`` listener for processes without the API (``reviewer worker``); with
    ``token`` (``REVIEWER_METRICS_TOKEN``) a scrape needs ``Authorization: Bearer <token>``."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client import make_wsgi_app
    from prometheus_client.exposition import ThreadingWSGIServer

    from reviewer.bearer import token_matches

    exposition = make_wsgi_app(_Scrape(queue))

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        given = str(environ.get("HTTP_AUTHORIZATION", "")).removeprefix("Bearer ").strip()
        if token and not token_matches(given, token):
            start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer")])
            return [b"a valid metrics bearer token is required\n"]
        return exposition(environ, start_response)

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
            return

    server = make_server(addr, port, app, ThreadingWSGIServer, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
