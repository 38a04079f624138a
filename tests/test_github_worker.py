"""The worker's GitHub path in-process: faults, token expiry, supersession, commands."""

from __future__ import annotations

import asyncio
import threading

from reviewer.aggregator import Coverage, Decision
from reviewer.github.auth import AppCredentials, InstallationTokens
from reviewer.github.client import GitHubClient
from reviewer.github.context import build_github_context
from reviewer.github.handlers import make_handlers
from reviewer.github.snapshot import read_snapshot
from reviewer.publish import publish, start_check
from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.runtime import build_runtime
from subagents.base import Finding, Severity
from tests.conftest import INSTALLATION_ID, REPO
from tests.test_github_e2e import BODY, NEW, OLD, wait_for


def make_pull(fake, number: int, **kwargs):
    kwargs.setdefault("author", "alice")
    kwargs.setdefault("author_association", "MEMBER")
    return fake.add_pull_from_contents(REPO, number, old=OLD, new=NEW, body=BODY, **kwargs)


def enqueue(runtime, pull, kind=JobKind.review, payload=None):
    request = JobRequest(
        kind=kind,
        installation_id=INSTALLATION_ID,
        repo=REPO,
        pr=pull.number,
        head_sha="" if kind.value.startswith("command") else pull.head_sha,
        payload=payload or {},
    )
    return runtime.queue.enqueue(request, None).job_id


def drain(runtime) -> None:
    worker = runtime.worker("test-worker")

    async def loop() -> None:
        while await worker.run_once():
            pass

    asyncio.run(loop())


def conclusions(fake, sha):
    return [r["conclusion"] for r in fake.check_runs(REPO, sha)]


def test_5xx_burst_is_retried_and_completes(fake_github, runtime):
    pull = make_pull(fake_github, 1)
    job = enqueue(runtime, pull)
    fake_github.fail_next(3, 502, path_contains="/compare/")
    drain(runtime)
    assert runtime.queue.get(job).state is JobState.done
    assert conclusions(fake_github, pull.head_sha) == ["action_required"]
    assert len(fake_github.calls("GET", "/compare/")) == 4


def test_rate_limit_retry_after_is_honoured(fake_github, runtime):
    pull = make_pull(fake_github, 2)
    job = enqueue(runtime, pull)
    fake_github.rate_limit_next(
        1, status=429, retry_after=1, path_contains="/pulls/2/reviews", method="POST"
    )
    drain(runtime)
    assert runtime.queue.get(job).state is JobState.done
    posts = fake_github.calls("POST", "/pulls/2/reviews")
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].time - posts[0].time >= 0.9


def test_persistent_fault_never_becomes_an_approval(fake_github, runtime):
    pull = make_pull(fake_github, 3)
    job = enqueue(runtime, pull)
    fake_github.fail_next(1000, 502, path_contains="/compare/")
    for _ in range(runtime.settings.job_max_attempts):
        drain(runtime)
    final = runtime.queue.get(job)
    assert final.state is JobState.dead and "502" in final.last_error
    runs = fake_github.check_runs(REPO, pull.head_sha)
    assert runs and all(r["conclusion"] == "action_required" for r in runs)
    assert "Review failed" in runs[-1]["output"]["title"]
    assert fake_github.reviews(REPO, 3) == []


def test_expired_token_mid_job_is_reminted(fake_github, runtime):
    pull = make_pull(fake_github, 4)
    job = enqueue(runtime, pull)
    fake_github.latency_seconds = 0.1
    worker = threading.Thread(target=drain, args=(runtime,))
    worker.start()
    wait_for(lambda: fake_github.check_runs(REPO, pull.head_sha), what="check run")
    fake_github.expire_all_tokens()
    worker.join(timeout=60)
    assert runtime.queue.get(job).state is JobState.done
    assert len(fake_github.calls("POST", "/access_tokens")) == 2
    assert any(r.status == 401 for r in fake_github.requests)
    assert conclusions(fake_github, pull.head_sha) == ["action_required"]


def test_push_during_review_cancels_old_check_and_new_head_wins(fake_github, github_settings):
    runtime = build_runtime(github_settings.model_copy(update={"job_lease_seconds": 0.6}))
    runtime.handlers.update(make_handlers(runtime))
    pull = make_pull(fake_github, 5)
    old_sha = pull.head_sha
    old_job = enqueue(runtime, pull)
    fake_github.latency_seconds = 0.15
    worker = threading.Thread(target=drain, args=(runtime,))
    worker.start()
    wait_for(lambda: fake_github.check_runs(REPO, old_sha), what="old check run")
    new_sha = fake_github.push(REPO, 5, {"README.md": "# App\n\nNewer.\n"})
    new_job = enqueue(runtime, fake_github.pull(REPO, 5))
    worker.join(timeout=60)
    assert runtime.queue.get(old_job).state is JobState.cancelled
    assert runtime.queue.get(new_job).state is JobState.done
    old_runs = fake_github.check_runs(REPO, old_sha)
    assert [r["conclusion"] for r in old_runs] == ["cancelled"]
    assert old_runs[0]["output"]["title"] == f"Superseded by {new_sha}"
    assert conclusions(fake_github, new_sha) == ["action_required"]
    assert {r["commit_id"] for r in fake_github.reviews(REPO, 5)} == {new_sha}
    assert len(fake_github.issue_comments(REPO, 5)) == 1


def test_human_command_from_reader_gets_polite_reply_and_no_action(fake_github, runtime):
    pull = make_pull(fake_github, 6)
    job = enqueue(runtime, pull, JobKind.command_human, {"commenter": "mallory"})
    drain(runtime)
    assert runtime.queue.get(job).state is JobState.done
    replies = fake_github.issue_comments(REPO, 6)
    assert len(replies) == 1 and "write access" in replies[0]["body"]
    assert fake_github.check_runs(REPO, pull.head_sha) == []
    assert fake_github.labels(REPO, 6) == []


def test_human_command_from_writer_records_override(fake_github, runtime):
    pull = make_pull(fake_github, 7)
    enqueue(runtime, pull, JobKind.command_human, {"commenter": "bob"})
    drain(runtime)
    assert conclusions(fake_github, pull.head_sha) == ["action_required"]
    summary = fake_github.issue_comments(REPO, 7)[0]["body"]
    assert "override.human" in summary
    [override] = runtime.audit.entries(pr=7, kind="override")
    assert override.payload == {"action": "human_requested", "by": "bob", "via": "comment"}
    [decision] = runtime.audit.entries(pr=7, kind="decision")
    assert "override.human" in [r["code"] for r in decision.payload["reasons"]]


def test_draft_is_not_reviewed_until_ready(fake_github, runtime):
    pull = make_pull(fake_github, 8, draft=True)
    enqueue(runtime, pull)
    drain(runtime)
    assert fake_github.check_runs(REPO, pull.head_sha) == []


def _client(fake, app_keys) -> GitHubClient:
    creds = AppCredentials(app_id=fake.app_id, private_key=app_keys[0], api_url=fake.api_url)
    return GitHubClient(InstallationTokens(creds, INSTALLATION_ID))


def test_approval_publishes_success_approve_review_and_off_diff_findings_in_summary(
    fake_github, app_keys
):
    pull = make_pull(fake_github, 10, labels=["reviewer: would-approve"])
    client = _client(fake_github, app_keys)
    ctx = build_github_context(
        client, REPO, 10, read_snapshot(client, REPO, 10), installation_id=INSTALLATION_ID
    )
    on_diff = Finding(
        fingerprint="a" * 16,
        subagent="logic",
        severity=Severity.minor,
        path="app/service.py",
        start_line=5,
        end_line=6,
        title="Narrow except",
        body="Catch OSError.",
        rule_ids=["py.bare-except"],
    )
    off_diff = on_diff.model_copy(
        update={
            "fingerprint": "b" * 16,
            "start_line": 40,
            "end_line": 40,
            "title": "Docstring missing",
        }
    )
    decision = Decision(
        verdict="approve",
        findings=[on_diff, off_diff],
        check_conclusion="success",
        labels=["reviewer: approved"],
        coverage=Coverage(reviewed=2, changed=2),
    )
    run_id = start_check(client, REPO, pull.head_sha)
    publish(client, ctx, decision, [], run_id, fake_github.bot_login)
    [review] = fake_github.reviews(REPO, 10)
    assert review["state"] == "APPROVED"
    comments = fake_github.review_comments(REPO, 10)
    assert [(c["start_line"], c["line"]) for c in comments] == [(5, 6)]
    assert conclusions(fake_github, pull.head_sha) == ["success"]
    assert fake_github.labels(REPO, 10) == ["reviewer: approved"]
    summary = fake_github.issue_comments(REPO, 10)[0]["body"]
    assert "Docstring missing" in summary and "Narrow except" in summary


def test_retry_after_a_failure_past_the_review_posts_it_only_once(fake_github, runtime):
    pull = make_pull(fake_github, 11)
    job = enqueue(runtime, pull)
    # The first attempt posts its review, then the summary comment fails for good.
    fake_github.fail_next(5, 502, path_contains="/issues/11/comments", method="POST")
    drain(runtime)
    assert runtime.queue.get(job).state is JobState.done
    assert runtime.queue.get(job).attempts == 2
    assert len(fake_github.reviews(REPO, 11)) == 1
    assert len(fake_github.issue_comments(REPO, 11)) == 1
    assert conclusions(fake_github, pull.head_sha)[-1] == "action_required"
