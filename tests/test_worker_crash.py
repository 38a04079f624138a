"""A worker process killed with SIGKILL mid-job: its lease expires, another worker process
reclaims the job and completes it, and the dead worker's check run is closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.store.db import open_database
from tests.conftest import INSTALLATION_ID, REPO
from tests.test_github_e2e import BODY, NEW, OLD, wait_for


def start_worker(env: dict[str, str], log_path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "worker"],
        env={**os.environ, **env}, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )


def test_sigkilled_worker_job_is_reclaimed_and_completes(fake_github, github_env, sqlite_url,
                                                         tmp_path):
    pull = fake_github.add_pull_from_contents(REPO, 9, old=OLD, new=NEW, body=BODY,
                                              author="alice", author_association="MEMBER")
    queue = SqliteJobQueue(open_database(sqlite_url))
    job_id = queue.enqueue(
        JobRequest(kind=JobKind.review, installation_id=INSTALLATION_ID, repo=REPO, pr=9,
                   head_sha=pull.head_sha), "delivery-9").job_id
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
        done = wait_for(lambda: queue.get(job_id).state is JobState.done, timeout=60,
                        what="the reclaimed job to finish")
        assert done
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
    finished = queue.get(job_id)
    assert finished.attempts == 2 and finished.lease_owner is None
    runs = fake_github.check_runs(REPO, pull.head_sha)
    assert [r["conclusion"] for r in runs] == ["cancelled", "action_required"]
    assert runs[0]["output"]["title"] == "Retried"
