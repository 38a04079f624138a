"""Scale-out under faults: SIGKILL chaos on PostgreSQL (procrastinate) and SQLite, a
duplicate-delivery storm against two API processes, GitHub fault bursts, the redelivery
sweeper, backpressure on /readyz and /metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from benchmarks.chaos import chaos_env, run_chaos
from reviewer.app import create_app
from reviewer.github.auth import AppCredentials
from reviewer.github.handlers import make_handlers
from reviewer.github.redeliver import RedeliverySweeper
from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.runtime import build_runtime, make_queue
from reviewer.settings import Settings
from reviewer.store.db import open_database
from tests.conftest import APP_ID, INSTALLATION_ID, REPO, WEBHOOK_SECRET, pr_payload, signed
from tests.fakes.server import free_port
from tests.test_github_worker import make_pull


@pytest.fixture
def chaos_fake(fake_github):
    fake_github.latency_seconds = 0.05  # a review takes about a second: kills land mid-job
    return fake_github


def test_chaos_postgres_every_review_completes_exactly_once(
    chaos_fake, app_keys, postgres_url, tmp_path
):
    env = chaos_env(chaos_fake, app_keys[0], postgres_url)
    report = run_chaos(
        chaos_fake, env, reviews=24, kills=10, workers=3, log_dir=tmp_path, timeout=150
    )
    assert report.kills == 10
    assert not report.problems, report.problems
    assert report.states == {"done": 24}


def test_chaos_sqlite_with_worker_restarts(chaos_fake, app_keys, sqlite_url, tmp_path):
    env = chaos_env(chaos_fake, app_keys[0], sqlite_url)
    report = run_chaos(
        chaos_fake, env, reviews=10, kills=4, workers=3, log_dir=tmp_path, timeout=120
    )
    assert not report.problems, report.problems
    assert report.states == {"done": 10}


def start_api(env: dict[str, str], port: int, log_path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "serve", "--no-worker", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_duplicate_storm_against_two_api_processes_makes_one_job_each(
    fake_github, github_env, postgres_url, tmp_path
):
    env = {**github_env, "REVIEWER_DATABASE_URL": postgres_url}
    open_database(postgres_url).dispose()  # migrate once, before two processes start
    ports = [free_port(), free_port()]
    procs = [start_api(env, port, tmp_path / f"api-{port}.log") for port in ports]
    try:
        for port in ports:

            def up(port=port):
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                except httpx.HTTPError:
                    return False

            deadline = time.monotonic() + 30
            while not up() and time.monotonic() < deadline:
                time.sleep(0.1)
        sends = []
        for number in range(1, 21):
            pull = make_pull(fake_github, number)
            body, headers = signed(pr_payload("opened", pull), delivery=f"storm-{number}")
            # each delivery 3 times, over both processes, all at once
            sends += [(ports[i % 2], body, headers) for i in range(3)]
            # and a second delivery id for the same PR head: the same job
            body2, headers2 = signed(pr_payload("synchronize", pull), delivery=f"storm2-{number}")
            sends.append((ports[number % 2], body2, headers2))

        def send(item):
            port, body, headers = item
            return httpx.post(
                f"http://127.0.0.1:{port}/webhook", content=body, headers=headers, timeout=30
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(send, sends))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=15)
    assert set(statuses) <= {200, 202}, statuses
    assert statuses.count(202) == 20
    queue = make_queue(Settings(database_url=postgres_url), open_database(postgres_url))
    jobs = queue.list_jobs(limit=1000)
    assert len(jobs) == 20
    assert sorted(j.pr for j in jobs) == list(range(1, 21))


def test_github_fault_bursts_on_postgres_complete_and_never_approve(
    fake_github, github_settings, postgres_url
):
    # Retries are quick here; in production the backoff spreads them over minutes.
    settings = github_settings.model_copy(
        update={
            "database_url": postgres_url,
            "job_max_attempts": 20,
            "job_backoff_base_seconds": 0.05,
        }
    )
    runtime = build_runtime(settings)
    runtime.handlers.update(make_handlers(runtime))
    pulls = [make_pull(fake_github, n) for n in range(1, 5)]
    for pull in pulls:
        runtime.queue.enqueue(
            JobRequest(
                kind=JobKind.review,
                installation_id=INSTALLATION_ID,
                repo=REPO,
                pr=pull.number,
                head_sha=pull.head_sha,
            ),
            None,
        )
    fake_github.fail_next(6, 502)
    fake_github.rate_limit_next(2, status=403, retry_after=1)
    fake_github.expire_all_tokens()
    worker = runtime.worker("fault-worker")

    async def drain() -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not await worker.run_once():
                depth = runtime.queue.depth()
                if depth["queued"] == 0 and depth["running"] == 0:
                    return
                await asyncio.sleep(0.05)

    asyncio.run(drain())
    for pull in pulls:
        runs = fake_github.check_runs(REPO, pull.head_sha)
        final = [r["conclusion"] for r in runs if r["conclusion"] != "cancelled"]
        assert final and final[-1] == "action_required", runs
        assert "success" not in final
        assert not any(r.get("state") == "APPROVED" for r in fake_github.reviews(REPO, pull.number))
    assert {j.state for j in runtime.queue.list_jobs()} == {JobState.done}


def iso(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_redelivery_sweeper_redelivers_failed_deliveries_we_never_accepted(
    fake_github, github_settings, app_keys
):
    runtime = build_runtime(github_settings)
    runtime.queue.enqueue(
        JobRequest(
            kind=JobKind.review, installation_id=INSTALLATION_ID, repo=REPO, pr=1, head_sha="a"
        ),
        "accepted-guid",
    )
    missed = fake_github.add_delivery(status_code=502, guid="missed-guid", payload={})
    fake_github.add_delivery(status_code=502, guid="accepted-guid", payload={})
    fake_github.add_delivery(status_code=200, guid="fine-guid", payload={})
    fake_github.add_delivery(status_code=502, guid="too-old", delivered_at=iso(80), payload={})
    for _ in range(3):  # we keep rejecting it: give up after three attempts
        fake_github.add_delivery(status_code=401, guid="hopeless", payload={})
    creds = AppCredentials(APP_ID, app_keys[0], fake_github.api_url)
    sweeper = RedeliverySweeper(creds, runtime.engine, lookback_hours=72)
    result = sweeper.sweep()
    assert result.redelivered == ["missed-guid"]
    attempts = [d for d in fake_github.deliveries() if d["guid"] == "missed-guid"]
    assert len(attempts) == 2 and attempts[-1]["redelivery"]
    assert attempts[0]["id"] == missed["id"]


def test_readyz_and_metrics_show_backpressure_without_dropping_work(engine, sqlite_url):
    settings = Settings(database_url=sqlite_url, queue_max_depth=2, webhook_secret=WEBHOOK_SECRET)
    queue = make_queue(settings, engine)
    for pr in range(1, 5):
        queue.enqueue(
            JobRequest(kind=JobKind.review, installation_id=7, repo="o/r", pr=pr, head_sha="s"),
            f"d-{pr}",
        )
    client = TestClient(create_app(settings, queue))
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    text = client.get("/metrics").text
    assert "reviewer_queue_backpressure 1.0" in text
    assert 'reviewer_queue_installation_jobs{installation="7",state="queued"} 4.0' in text
    assert queue.depth()["queued"] == 4
