"""Prometheus metrics of the service, in one module-level registry.

The registry is ours, not prometheus-client's global default, so tests can build many apps
in one process without "duplicated timeseries" errors, and so library metrics we did not
choose never appear on ``/metrics``. Intake, worker, model and GitHub code record into the
objects below; queue depth is read from the queue on each scrape rather than tracked by
hand, so it can never drift from the database.
"""

from __future__ import annotations

from collections.abc import Iterable

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
JOBS_FINISHED = Counter(
    "reviewer_jobs_finished_total",
    "Job attempts finished, by outcome (done, retry, dead, cancelled, superseded).",
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


class QueueDepthCollector(Collector):
    """``reviewer_queue_jobs{state}`` read from ``queue.depth()`` at scrape time."""

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

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


class _Scrape(Collector):
    """The shared registry plus one app's queue, collected together for one exposition."""

    def __init__(self, queue: JobQueue | None) -> None:
        self._queue = queue

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        if self._queue is not None:
            yield from QueueDepthCollector(self._queue).collect()


def render(queue: JobQueue | None = None) -> bytes:
    """The Prometheus text exposition for ``/metrics`` (serve it with :data:`CONTENT_TYPE`)."""
    return generate_latest(_Scrape(queue))
