"""Both queues (SQLite, and procrastinate on PostgreSQL) pass the same behavioural tests:
dedupe, supersede, one running job per PR, leases, retries, dead letters, fairness."""

from __future__ import annotations

import time

import pytest

from reviewer.queue import EnqueueOutcome, JobKind, JobRequest, JobState
from reviewer.queue.sqlite import QueueError, SqliteJobQueue


def req(sha: str, pr: int = 1, kind: JobKind = JobKind.review) -> JobRequest:
    return JobRequest(
        kind=kind, installation_id=7, repo="o/r", pr=pr, head_sha=sha, payload={"action": "opened"}
    )


@pytest.fixture(params=["sqlite", "postgres"])
def make_queue(request):
    """A factory of queues over one fresh database, for each backend."""
    if request.param == "sqlite":
        engine = request.getfixturevalue("engine")
        return lambda **kw: SqliteJobQueue(engine, **kw)
    from reviewer.queue.procrastinate import ProcrastinateJobQueue

    engine = request.getfixturevalue("postgres_engine")
    return lambda **kw: ProcrastinateJobQueue(engine, **kw)


@pytest.fixture
def queue(make_queue):
    return make_queue(max_attempts=2, lease_seconds=30, backoff_base=0)


def test_duplicate_delivery_and_duplicate_key_make_one_job(queue):
    first = queue.enqueue(req("a"), "d-1", "pull_request", "opened")
    assert first.outcome is EnqueueOutcome.queued
    assert queue.enqueue(req("a"), "d-1").outcome is EnqueueOutcome.duplicate_delivery
    again = queue.enqueue(req("a"), "d-2")
    assert (again.outcome, again.job_id) == (EnqueueOutcome.duplicate_job, first.job_id)
    assert [j.id for j in queue.list_jobs()] == [first.job_id]
    assert queue.list_jobs()[0].payload == {"action": "opened"}


def test_rerun_of_same_sha_allowed_after_completion(queue):
    job = queue.enqueue(req("a"), "d-1").job_id
    claimed = queue.claim("w")
    assert claimed is not None and claimed.job.id == job
    queue.complete(job, "w")
    assert queue.enqueue(req("a"), "d-2").outcome is EnqueueOutcome.queued


def test_newer_head_cancels_queued_and_flags_running(queue):
    old = queue.enqueue(req("a"), "d-1").job_id
    result = queue.enqueue(req("b"), "d-2")
    assert result.superseded == [old]
    cancelled = queue.get(old)
    assert cancelled.state is JobState.cancelled and cancelled.superseded_by == "b"
    running = queue.claim("w")
    assert running.job.head_sha == "b"
    queue.enqueue(req("c"), "d-3")
    beat = queue.heartbeat(running.job.id, "w")
    assert beat.lease_held and beat.cancel_requested and beat.superseded_by == "c"


def test_one_running_job_per_pr_but_other_prs_proceed(queue):
    queue.enqueue(req("a", pr=1), "d-1")
    queue.enqueue(req("x", pr=1, kind=JobKind.command_human), "d-2")
    queue.enqueue(req("z", pr=2), "d-3")
    first = queue.claim("w1")
    second = queue.claim("w2")
    assert (first.job.pr, second.job.pr) == (1, 2)
    assert queue.claim("w3") is None
    queue.complete(first.job.id, "w1")
    third = queue.claim("w3")
    assert third.job.kind is JobKind.command_human


def test_expired_lease_is_reclaimed_and_old_owner_loses_it(make_queue):
    queue = make_queue(max_attempts=3, lease_seconds=0.05, backoff_base=0)
    queue.enqueue(req("a"), "d-1")
    first = queue.claim("dead-worker")
    time.sleep(0.1)
    again = queue.claim("live-worker")
    assert again is not None and again.job.id == first.job.id and again.job.attempts == 2
    assert not queue.heartbeat(first.job.id, "dead-worker").lease_held
    queue.complete(first.job.id, "dead-worker")
    assert queue.get(first.job.id).state is JobState.running
    queue.complete(first.job.id, "live-worker")
    assert queue.get(first.job.id).state is JobState.done


def test_failures_retry_then_dead_letter_then_operator_retry(queue):
    job = queue.enqueue(req("a"), "d-1").job_id
    queue.claim("w")
    assert queue.fail(job, "w", "GitHub 502") is JobState.queued
    queue.claim("w")
    assert queue.fail(job, "w", "GitHub 502 again") is JobState.dead
    dead = queue.list_jobs(JobState.dead)
    assert [j.id for j in dead] == [job] and dead[0].last_error == "GitHub 502 again"
    assert queue.claim("w") is None
    retried = queue.retry(job)
    assert retried.state is JobState.queued and retried.attempts == 0
    with pytest.raises(QueueError, match="only dead or cancelled"):
        queue.retry(job)


def test_backoff_delays_the_retry(make_queue):
    queue = make_queue(max_attempts=3, lease_seconds=30, backoff_base=60)
    job = queue.enqueue(req("a"), "d-1").job_id
    queue.claim("w")
    queue.fail(job, "w", "boom")
    assert queue.get(job).run_after > time.time() + 25
    assert queue.claim("w") is None


def test_permanent_failure_goes_straight_to_dead(queue):
    job = queue.enqueue(req("a"), "d-1").job_id
    queue.claim("w")
    assert queue.fail(job, "w", "repo gone", retryable=False) is JobState.dead


def test_depth_counts_states(queue):
    queue.enqueue(req("a", pr=1), "d-1")
    queue.enqueue(req("b", pr=2), "d-2")
    queue.claim("w")
    depth = queue.depth()
    assert depth["queued"] == 1 and depth["running"] == 1 and depth["dead"] == 0


def test_release_requeues_without_counting_the_attempt(queue):
    job = queue.enqueue(req("a"), "d-1").job_id
    queue.claim("w")
    queue.release(job, "w", "worker shutting down")
    released = queue.get(job)
    assert released.state is JobState.queued and released.attempts == 0
    again = queue.claim("w2")
    assert again.job.id == job and again.job.attempts == 1


def test_superseded_running_job_that_fails_is_not_retried_forever(queue):
    job = queue.enqueue(req("a"), "d-1").job_id
    queue.claim("w")
    queue.enqueue(req("b"), "d-2")
    queue.cancel(job, "w", "superseded by b")
    assert queue.get(job).state is JobState.cancelled
    assert queue.claim("w").job.head_sha == "b"


def test_fair_claim_order_across_installations(make_queue):
    """A burst of one installation does not starve another: B's only job is claimed next."""
    queue = make_queue(max_attempts=2, lease_seconds=30, backoff_base=0)
    for pr in range(1, 501):
        queue.enqueue(
            JobRequest(kind=JobKind.review, installation_id=1, repo="a/mono", pr=pr, head_sha="s"),
            f"a-{pr}",
        )
    first = queue.claim("w1")
    assert first.job.installation_id == 1
    queue.enqueue(
        JobRequest(kind=JobKind.review, installation_id=2, repo="b/small", pr=1, head_sha="s"),
        "b-1",
    )
    queue.complete(first.job.id, "w1")
    second = queue.claim("w1")
    assert second.job.installation_id == 2
    assert queue.claim("w2").job.installation_id == 1


def test_installation_concurrency_cap(make_queue):
    queue = make_queue(max_attempts=2, lease_seconds=30, backoff_base=0, installation_concurrency=2)
    for pr in range(1, 5):
        queue.enqueue(
            JobRequest(kind=JobKind.review, installation_id=1, repo="a/m", pr=pr, head_sha="s"),
            f"a-{pr}",
        )
    assert queue.claim("w1") and queue.claim("w2")
    assert queue.claim("w3") is None
    assert queue.depth_by_installation() == {1: {"queued": 2, "running": 2}}


def test_backpressure_caps_the_installation_over_its_share(make_queue):
    queue = make_queue(
        max_attempts=2, lease_seconds=30, backoff_base=0, max_depth=3, installation_concurrency=4
    )
    for pr in range(1, 7):
        queue.enqueue(
            JobRequest(kind=JobKind.review, installation_id=1, repo="a/m", pr=pr, head_sha="s"),
            f"a-{pr}",
        )
    assert queue.claim("w1") is not None
    assert queue.claim("w2") is None  # over the depth: one at a time for the big one
    assert queue.depth()["queued"] == 5  # nothing dropped
