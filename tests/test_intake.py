"""Webhook intake over real HTTP: uvicorn on loopback, httpx, and a real SQLite queue."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from reviewer.app import create_app
from reviewer.errors import ConfigError
from reviewer.queue.base import JobKind, JobState
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.settings import Settings, load_settings
from reviewer.store.db import open_database
from reviewer.store.models import Delivery
from reviewer.webhooks import sign
from tests.fakes.server import running
from tests.test_webhooks import (
    ALL_PAYLOADS,
    FEEDBACK,
    FIXTURES,
    GATED,
    RERUN,
    ROUTED,
    SECRET,
    fixture_id,
)

SYNC = FIXTURES / "pull_request/synchronize.payload.json"
SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


@dataclass
class Service:
    client: httpx.Client
    queue: SqliteJobQueue
    engine: Engine

    def post(
        self,
        body: bytes,
        event: str = "pull_request",
        delivery: str = "delivery-1",
        secret: bytes | None = SECRET,
        **extra: str,
    ) -> httpx.Response:
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/test",
        }
        if secret is not None:
            headers["X-Hub-Signature-256"] = sign(secret, body)
        headers.update(extra)
        return self.client.post("/webhook", content=body, headers=headers)

    def deliveries(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Delivery)) or 0)


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_secret": SECRET.decode(),
        "database_url": f"sqlite:///{tmp_path / 'reviewer.db'}",
        "github_app_slug": "pr-reviewer",
    }
    values.update(overrides)
    return load_settings(**values)


@contextmanager
def serve(settings: Settings, **app_options: Any) -> Iterator[Service]:
    engine = open_database(settings.database_url)
    queue = SqliteJobQueue(engine)
    try:
        with (
            running(create_app(settings, queue, **app_options)) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as client,
        ):
            yield Service(client, queue, engine)
    finally:
        engine.dispose()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with serve(settings_for(tmp_path)) as svc:
        yield svc


def with_head(sha: str) -> bytes:
    data = json.loads(SYNC.read_bytes())
    data["pull_request"]["head"]["sha"] = sha
    return json.dumps(data).encode()


# --- every fixture -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One server for the per-fixture tests; each leaves no active job behind."""
    with serve(settings_for(tmp_path_factory.mktemp("shared"))) as svc:
        yield svc


@pytest.mark.parametrize("path", ALL_PAYLOADS, ids=fixture_id)
def test_every_fixture_is_accepted(shared: Service, path: Path) -> None:
    raw = json.loads(path.read_bytes())
    delivery = f"fixture-{fixture_id(path)}".replace("/", ":")[:64]
    jobs_before, deliveries_before = shared.queue.list_jobs(limit=1000), shared.deliveries()
    response = shared.post(path.read_bytes(), event=path.parent.name, delivery=delivery)
    new_jobs = shared.queue.list_jobs(limit=1000)[: -len(jobs_before) or None]
    if fixture_id(path) in FEEDBACK | RERUN:  # one job each; done, so the next is new
        assert response.status_code == 202, response.text
        kinds = (
            {JobKind.feedback} if fixture_id(path) in FEEDBACK else {JobKind.review, JobKind.rerun}
        )
        assert len(new_jobs) == 1 and new_jobs[0].kind in kinds
        claimed = shared.queue.claim("test-worker")
        assert claimed is not None and claimed.job.id == new_jobs[0].id
        shared.queue.complete(new_jobs[0].id, "test-worker")
        return
    if fixture_id(path) not in ROUTED | GATED:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ignored"
        assert response.json()["reason"]
        assert new_jobs == []
        assert shared.deliveries() == deliveries_before
        return
    assert response.status_code == 202, response.text
    assert len(new_jobs) == 1
    job = new_jobs[0]
    assert response.json() == {"status": "queued", "job_id": job.id}
    assert (job.kind, job.repo, job.pr, job.head_sha, job.state) == (
        JobKind.gate if fixture_id(path) in GATED else JobKind.review,
        "Codertocat/Hello-World",
        2,
        raw["pull_request"]["head"]["sha"],
        JobState.queued,
    )
    assert (job.delivery_id, job.payload["action"]) == (delivery, raw["action"])
    assert shared.deliveries() == deliveries_before + 1
    # Finish it as a worker would, so the next fixture for the same head is new work.
    claimed = shared.queue.claim("test-worker")
    assert claimed is not None and claimed.job.id == job.id
    shared.queue.complete(job.id, "test-worker")


def test_all_fixtures_through_one_app_never_5xx(service: Service) -> None:
    statuses = {}
    for n, path in enumerate(ALL_PAYLOADS):
        response = service.post(path.read_bytes(), event=path.parent.name, delivery=f"d-{n}")
        statuses[fixture_id(path)] = (response.status_code, response.json()["status"])
    assert all(code in (200, 202) for code, _ in statuses.values()), statuses
    queued = [name for name, (code, _) in statuses.items() if code == 202 and name not in FEEDBACK]
    # All routed fixtures are PR #2 at the same head: one review job and one gate job,
    # then duplicates of them (the check suite re-runs included); the check run re-runs
    # name no PR: one rerun job and its duplicate.
    assert len(queued) == 3
    assert sum(name in RERUN for name in queued) == 2  # the suite re-run queues the review
    duplicates = sum(status == "duplicate" for _, status in statuses.values())
    assert duplicates == len(ROUTED) + len(GATED) + len(RERUN) - 3
    assert sorted(j.kind for j in service.queue.list_jobs()) == [
        *[JobKind.feedback] * len(FEEDBACK),
        JobKind.gate,
        JobKind.rerun,
        JobKind.review,
    ]


# --- rejected deliveries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "extra", "reason"),
    [
        (b"wrong-secret", {}, "does not match"),
        (None, {}, "missing X-Hub-Signature-256"),
        (None, {"X-Hub-Signature-256": "sha1=abc"}, "malformed X-Hub-Signature-256"),
    ],
)
def test_bad_signature_is_401_and_writes_nothing(
    service: Service, secret: bytes | None, extra: dict[str, str], reason: str
) -> None:
    response = service.post(SYNC.read_bytes(), secret=secret, **extra)
    assert response.status_code == 401
    assert response.json()["status"] == "rejected"
    assert reason in response.json()["reason"]
    assert service.queue.list_jobs() == []
    assert service.deliveries() == 0


def test_signature_is_checked_before_parsing(service: Service) -> None:
    response = service.post(b'{"truncated', secret=b"wrong-secret")
    assert response.status_code == 401
    response = service.post(b"{}", event="", secret=None)
    assert response.status_code == 401


def test_signature_over_other_bytes_is_401(service: Service) -> None:
    body = SYNC.read_bytes()
    response = service.post(body, **{"X-Hub-Signature-256": sign(SECRET, body + b"\n")})
    assert response.status_code == 401
    assert service.queue.list_jobs() == []


def test_truncated_json_is_400(service: Service) -> None:
    body = SYNC.read_bytes()
    response = service.post(body[: len(body) // 2])
    assert response.status_code == 400
    assert "malformed JSON body" in response.json()["reason"]
    assert service.queue.list_jobs() == []
    assert service.deliveries() == 0


@pytest.mark.parametrize("header", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_missing_headers_are_400(service: Service, header: str) -> None:
    body = SYNC.read_bytes()
    headers = {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": sign(SECRET, body),
    }
    del headers[header]
    response = service.client.post("/webhook", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["reason"] == f"missing {header} header"
    assert service.queue.list_jobs() == []


def test_body_over_25_mib_is_413(service: Service) -> None:
    body = b" " * (25 * 1024 * 1024 + 1)
    response = service.post(body)
    assert response.status_code == 413
    assert "exceeds the limit of 26214400 bytes" in response.json()["reason"]
    assert service.queue.list_jobs() == []


def test_body_at_the_limit_is_read(tmp_path: Path) -> None:
    body = SYNC.read_bytes()
    with serve(settings_for(tmp_path, max_body_bytes=len(body))) as svc:
        assert svc.post(body).status_code == 202


def test_streamed_body_over_the_limit_is_413(tmp_path: Path) -> None:
    with serve(settings_for(tmp_path, max_body_bytes=4096)) as svc:

        def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to check up front
            for _ in range(10):
                yield b" " * 1024

        response = svc.client.post(
            "/webhook",
            content=chunks(),
            headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1"},
        )
        assert response.status_code == 413
        assert response.json()["reason"] == "body exceeds the limit of 4096 bytes"
        assert svc.deliveries() == 0


# --- dedupe and supersede ----------------------------------------------------------------


def test_duplicate_delivery_makes_one_job(service: Service) -> None:
    first = service.post(SYNC.read_bytes(), delivery="same-id")
    again = service.post(SYNC.read_bytes(), delivery="same-id")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "reason": "delivery already received"}
    jobs = service.queue.list_jobs()
    assert [job.id for job in jobs] == [first.json()["job_id"]]
    assert service.deliveries() == 1


def test_same_job_from_another_delivery_is_a_duplicate(service: Service) -> None:
    first = service.post(SYNC.read_bytes(), delivery="a")
    other = service.post(SYNC.read_bytes(), delivery="b")
    assert other.status_code == 200
    assert other.json() == {
        "status": "duplicate",
        "reason": "the same job is already queued or running",
        "job_id": first.json()["job_id"],
    }
    assert len(service.queue.list_jobs()) == 1
    assert service.deliveries() == 2


def test_newer_head_supersedes_queued_review(service: Service) -> None:
    old = service.post(SYNC.read_bytes(), delivery="old")
    new = service.post(with_head("b" * 40), delivery="new")
    assert (old.status_code, new.status_code) == (202, 202)
    jobs = {job.id: job for job in service.queue.list_jobs()}
    old_job, new_job = jobs[old.json()["job_id"]], jobs[new.json()["job_id"]]
    assert (old_job.head_sha, old_job.state, old_job.superseded_by) == (
        SHA,
        JobState.cancelled,
        "b" * 40,
    )
    assert (new_job.head_sha, new_job.state) == ("b" * 40, JobState.queued)
    assert service.queue.depth()["queued"] == 1


# --- routing over HTTP -------------------------------------------------------------------


def test_own_bot_is_200_and_not_queued(service: Service) -> None:
    data = json.loads(SYNC.read_bytes())
    data["sender"] = {"login": "pr-reviewer[bot]", "id": 9, "type": "Bot"}
    response = service.post(json.dumps(data).encode())
    assert response.status_code == 200
    assert response.json() == {
        "status": "ignored",
        "reason": "sent by our own bot pr-reviewer[bot]",
    }
    assert service.queue.list_jobs() == []


def test_dependabot_is_reviewed(service: Service) -> None:
    data = json.loads(SYNC.read_bytes())
    data["sender"] = data["pull_request"]["user"] = {
        "login": "dependabot[bot]",
        "id": 49699333,
        "type": "Bot",
    }
    assert service.post(json.dumps(data).encode()).status_code == 202
    assert service.queue.list_jobs()[0].payload["author"] == "dependabot[bot]"


def test_comment_command_is_queued(service: Service) -> None:
    fixture = FIXTURES / "issue_comment/created.with-installation.payload.json"
    data = json.loads(fixture.read_bytes())
    data["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    data["comment"]["body"] = "/reviewer human\nplease look at the billing change"
    response = service.post(json.dumps(data).encode(), event="issue_comment")
    assert response.status_code == 202
    [job] = service.queue.list_jobs()
    assert (job.kind, job.pr, job.head_sha) == (JobKind.command_human, 1, "")
    assert job.payload["comment_id"] == data["comment"]["id"]


# --- configuration -----------------------------------------------------------------------


def test_no_secret_refuses_to_start(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, webhook_secret=None)
    engine = open_database(settings.database_url)
    try:
        with pytest.raises(ConfigError, match="REVIEWER_WEBHOOK_SECRET") as err:
            create_app(settings, SqliteJobQueue(engine))
        assert "--insecure-no-signature" in str(err.value)
    finally:
        engine.dispose()


def test_insecure_mode_accepts_unsigned(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, webhook_secret=None)
    with serve(settings, require_signature=False) as svc:
        assert svc.post(SYNC.read_bytes(), secret=None).status_code == 202


# --- health, readiness, metrics ----------------------------------------------------------


def test_healthz_and_readyz(service: Service) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}
    ready = service.client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite'}")
    settings = settings_for(tmp_path)
    with running(create_app(settings, SqliteJobQueue(engine))) as base_url:
        ready = httpx.get(f"{base_url}/readyz")
        health = httpx.get(f"{base_url}/healthz")
        scrape = httpx.get(f"{base_url}/metrics")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["reason"].startswith("database unreachable: OperationalError")
    assert health.status_code == 200
    assert scrape.status_code == 200
    assert "reviewer_queue_jobs" not in scrape.text


def _sample(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics(service: Service) -> None:
    queued = 'event="pull_request",outcome="queued"'
    forged = 'event="unknown",outcome="bad_signature"'
    deliveries = "reviewer_webhook_deliveries_total"
    before = service.client.get("/metrics").text
    assert service.post(SYNC.read_bytes()).status_code == 202
    assert service.post(b"{}", event="made-up-event", secret=b"nope").status_code == 401
    scrape = service.client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    assert _sample(text, deliveries, queued) == _sample(before, deliveries, queued) + 1
    assert _sample(text, deliveries, forged) == _sample(before, deliveries, forged) + 1
    assert 'event="made-up-event"' not in text
    assert _sample(text, "reviewer_queue_jobs", 'state="queued"') == 1.0
    assert _sample(text, "reviewer_queue_jobs", 'state="running"') == 0.0
    assert "reviewer_webhook_handle_seconds_bucket" in text
    for name in (
        "reviewer_job_duration_seconds",
        "reviewer_jobs_finished_total",
        "reviewer_model_tokens_total",
        "reviewer_model_cost_usd_total",
        "reviewer_github_requests_total",
        "reviewer_github_rate_limit_remaining",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text


def test_apps_can_be_created_repeatedly(tmp_path: Path) -> None:
    for n in range(3):
        with serve(settings_for(tmp_path / str(n))) as svc:
            assert svc.client.get("/metrics").status_code == 200


def test_every_log_line_carries_the_delivery_context(service: Service) -> None:
    with capture_logs(processors=[merge_contextvars]) as lines:
        assert service.post(SYNC.read_bytes(), delivery="ctx-1").status_code == 202
        assert service.post(with_head("c" * 40), delivery="ctx-2").status_code == 202
    webhook_lines = [line for line in lines if line["event"] == "webhook"]
    assert len(webhook_lines) == 2
    superseded = [line for line in lines if line["event"] == "superseded queued jobs"]
    for line in [*webhook_lines, *superseded]:
        assert line["github_event"] == "pull_request"
        assert line["repo"] == "Codertocat/Hello-World"
        assert line["pr"] == 2
    assert [line["delivery_id"] for line in webhook_lines] == ["ctx-1", "ctx-2"]
    assert [line["head_sha"] for line in webhook_lines] == [SHA, "c" * 40]
    assert superseded[0]["delivery_id"] == "ctx-2"
