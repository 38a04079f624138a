"""The CLI's operator commands and its startup errors, through real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys

from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.store.db import open_database


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWER_")}
    return subprocess.run(
        [sys.executable, "-m", "reviewer.cli.main", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )


def test_malformed_setting_is_named_in_one_line(sqlite_url):
    proc = cli(
        "jobs",
        "list",
        env={"REVIEWER_DATABASE_URL": sqlite_url, "REVIEWER_JOB_MAX_ATTEMPTS": "many"},
    )
    assert proc.returncode == 2
    assert "REVIEWER_JOB_MAX_ATTEMPTS" in proc.stderr and "Traceback" not in proc.stderr
    assert "(got 'many')" in proc.stderr  # the bad value, in the user's words


def test_a_malformed_secret_is_named_but_never_echoed(sqlite_url):
    token = "short-secret-value"
    proc = cli("jobs", "list", env={"REVIEWER_DATABASE_URL": sqlite_url,
                                    "REVIEWER_AUDIT_TOKEN": token})  # fmt: skip
    assert proc.returncode == 2 and "REVIEWER_AUDIT_TOKEN" in proc.stderr
    assert token not in proc.stderr


def test_bad_models_setting_is_named(sqlite_url):
    proc = cli(
        "jobs", "list", env={"REVIEWER_DATABASE_URL": sqlite_url, "REVIEWER_MODELS": "gpt-5"}
    )
    assert proc.returncode == 2 and "REVIEWER_MODELS" in proc.stderr


def test_serve_refuses_to_start_without_a_webhook_secret(sqlite_url):
    proc = cli("serve", "--port", "0", env={"REVIEWER_DATABASE_URL": sqlite_url})
    assert proc.returncode == 2
    assert "REVIEWER_WEBHOOK_SECRET" in proc.stderr
    assert "--insecure-no-signature" in proc.stderr


def test_jobs_list_and_retry_a_dead_letter(sqlite_url):
    queue = SqliteJobQueue(open_database(sqlite_url), max_attempts=1)
    job = queue.enqueue(
        JobRequest(kind=JobKind.review, repo="o/r", pr=3, head_sha="c" * 40), "d-1"
    ).job_id
    queue.claim("w")
    assert queue.fail(job, "w", "GitHub said 404") is JobState.dead
    env = {"REVIEWER_DATABASE_URL": sqlite_url}
    listed = cli("jobs", "list", "--state", "dead", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "o/r" in listed.stdout and "GitHub said 404" in listed.stdout
    retried = cli("jobs", "retry", str(job), env=env)
    assert retried.returncode == 0 and f"job {job} re-queued" in retried.stdout
    assert queue.get(job).state is JobState.queued
    again = cli("jobs", "retry", str(job), env=env)
    assert again.returncode == 2 and "only dead or cancelled" in again.stderr


def test_worker_serves_metrics_on_request(sqlite_url):
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "worker", "--metrics-port", str(port)],
        env={**clean, "REVIEWER_DATABASE_URL": sqlite_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, text = time.monotonic() + 30, ""
        while time.monotonic() < deadline and "reviewer_queue_jobs" not in text:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
            except httpx.HTTPError:
                time.sleep(0.1)
        assert 'reviewer_queue_jobs{state="queued"} 0.0' in text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
