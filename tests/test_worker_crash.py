"""A worker process killed with SIGKILL mid-job: its lease expires, another worker process
reclaims the job and completes it, and the dead worker's check run is closed. On
PostgreSQL the reclaim is procrastinate's stalled-job recovery (silent worker heartbeat).
A worker stopped with SIGTERM finishes its job within the grace period, or releases it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.runtime import make_queue
from reviewer.settings import Settings
from reviewer.store.db import open_database
from tests.conftest import INSTALLATION_ID, REPO
from tests.test_github_e2e import BODY, NEW, OLD, wait_for


def start_worker(env: dict[str, str], log_path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "worker"],
        env={**os.environ, **env},
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def backend_env(request, github_env):
    """``github_env`` on SQLite, or on a fresh PostgreSQL database (procrastinate queue)."""
    if request.param == "postgres":
        return {**github_env, "REVIEWER_DATABASE_URL": request.getfixturevalue("postgres_url")}
    return github_env


def queue_for(env: dict[str, str]):
    url = env["REVIEWER_DATABASE_URL"]
    return make_queue(Settings(database_url=url), open_database(url))


def queued_review(fake_github, env: dict[str, str]):
    """PR 9 on the fake and its review job queued: (pull, queue, job id)."""
    pull = fake_github.add_pull_from_contents(
        REPO, 9, old=OLD, new=NEW, body=BODY, author="alice", author_association="MEMBER"
    )
    queue = queue_for(env)
    request = JobRequest(kind=JobKind.review, installation_id=INSTALLATION_ID, repo=REPO, pr=9,
                         head_sha=pull.head_sha)  # fmt: skip
    return pull, queue, queue.enqueue(request, "delivery-9").job_id


def stop_gracefully(proc: subprocess.Popen, sig=signal.SIGINT, timeout: float = 10) -> None:
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_sigkilled_worker_job_is_reclaimed_and_completes(fake_github, backend_env, tmp_path):
    github_env = backend_env
    pull, queue, job_id = queued_review(fake_github, github_env)
    env = {**github_env, "REVIEWER_JOB_LEASE_SECONDS": "1.5"}
    fake_github.latency_seconds = 0.25  # every GitHub call is slow: the job takes seconds

    first = start_worker(env, tmp_path / "first.log")
    try:
        wait_for(lambda: fake_github.check_runs(REPO, pull.head_sha), what="first check run")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    running = queue.get(job_id)
    assert running.state is JobState.running and running.attempts == 1
    assert not any(r["status"] == "completed" for r in fake_github.check_runs(REPO, pull.head_sha))

    fake_github.latency_seconds = 0.0
    second = start_worker(env, tmp_path / "second.log")
    try:
        done = wait_for(
            lambda: queue.get(job_id).state is JobState.done,
            timeout=60,
            what="the reclaimed job to finish",
        )
        assert done
    finally:
        stop_gracefully(second)
    finished = queue.get(job_id)
    assert finished.attempts == 2 and finished.lease_owner is None
    # One check run per head: the reclaimed job concludes the run its dead attempt opened.
    (run,) = fake_github.check_runs(REPO, pull.head_sha)
    assert run["conclusion"] == "action_required"


def test_sigterm_finishes_the_running_job_within_the_grace_period(
    fake_github, backend_env, tmp_path
):
    pull, queue, job_id = queued_review(fake_github, backend_env)
    fake_github.latency_seconds = 0.1
    env = {**backend_env, "REVIEWER_WORKER_SHUTDOWN_GRACE_SECONDS": "60"}
    proc = start_worker(env, tmp_path / "w.log")
    try:
        wait_for(lambda: fake_github.check_runs(REPO, pull.head_sha), what="check run")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert queue.get(job_id).state is JobState.done
    runs = fake_github.check_runs(REPO, pull.head_sha)
    assert [r["conclusion"] for r in runs] == ["action_required"]


def test_sigterm_releases_a_job_that_outlives_the_grace_period(fake_github, backend_env, tmp_path):
    pull, queue, job_id = queued_review(fake_github, backend_env)
    fake_github.latency_seconds = 0.5  # the review takes many seconds
    env = {**backend_env, "REVIEWER_WORKER_SHUTDOWN_GRACE_SECONDS": "0.5"}
    proc = start_worker(env, tmp_path / "w.log")
    try:
        wait_for(lambda: fake_github.check_runs(REPO, pull.head_sha), what="check run")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert time.monotonic() - started < 15
    finally:
        if proc.poll() is None:
            proc.kill()
    released = queue.get(job_id)
    assert released.state is JobState.queued and released.attempts == 0
    assert "grace period" in released.last_error
    fake_github.latency_seconds = 0.0
    again = start_worker(backend_env, tmp_path / "again.log")
    try:
        wait_for(lambda: queue.get(job_id).state is JobState.done, timeout=60, what="done")
    finally:
        stop_gracefully(again)
