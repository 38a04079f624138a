"""Feedback: our comments recorded at publish, reactions polled with ETags against the fake
GitHub (304, pagination, deletions, rate limits), commands and resolved threads, the
per-rule report, the gauge and auto-demotion."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from reviewer import feedback, metrics
from reviewer.cli.main import app as cli
from reviewer.feedback.scheduler import client_factory
from reviewer.github.auth import AppCredentials
from reviewer.queue import JobKind, JobRequest
from reviewer.store.models import FeedbackComment
from tests.conftest import INSTALLATION_ID, REPO
from tests.test_github_worker import drain, enqueue, make_pull

DAY = 86_400.0


def client_for(runtime):
    """The worker's own factory: one shared installation token per process."""
    return client_factory(runtime.settings, AppCredentials.from_settings(runtime.settings))


def cycle(runtime, fake, now=None):
    return feedback.poll_cycle(runtime, client_for(runtime), bot_login=fake.bot_login, now=now)


def posted(runtime, number):
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(FeedbackComment.__table__).where(FeedbackComment.pr == number))
        return {r.kind: dict(r._mapping) for r in rows}


@pytest.fixture
def reviewed(fake_github, runtime):
    """PR 40 reviewed: one inline comment (py.bare-except) and the summary comment."""
    pull = make_pull(fake_github, 40)
    enqueue(runtime, pull)
    drain(runtime)
    return pull


def test_publish_records_our_comments_with_their_finding(fake_github, runtime, reviewed):
    ours = posted(runtime, 40)
    [inline] = fake_github.review_comments(REPO, 40)
    [summary] = fake_github.issue_comments(REPO, 40)
    assert ours["review"]["comment_id"] == inline["id"]
    assert ours["review"]["fingerprint"] in inline["body"]
    assert json.loads(ours["review"]["rule_ids"]) == ["py.bare-except"]
    assert ours["review"]["subagent"] == "antipatterns"
    assert ours["summary"]["comment_id"] == summary["id"]


def test_reactions_become_ratings_in_the_audit_log_and_the_report(fake_github, runtime, reviewed):
    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    summary = fake_github.issue_comments(REPO, 40)[0]["id"]
    fake_github.add_reaction(REPO, inline, "+1", user="bob")
    fake_github.add_reaction(REPO, inline, "-1", user="mallory")
    fake_github.add_reaction(REPO, inline, "+1", user="carol")
    fake_github.add_reaction(REPO, inline, "heart", user="dave")  # not a rating
    fake_github.add_reaction(REPO, inline, "+1", user=fake_github.bot_login)  # ours: ignored
    fake_github.add_reaction(REPO, summary, "-1", user="bob")
    result = cycle(runtime, fake_github)
    assert (result.ratings_added, result.not_modified, result.deferred) == (4, 0, None)
    entries = list(runtime.audit.entries(kind="feedback"))
    assert sorted((e.payload["user"], e.payload["rating"]) for e in entries) == [
        ("bob", "helpful"),
        ("bob", "unhelpful"),
        ("carol", "helpful"),
        ("mallory", "unhelpful"),
    ]
    assert all(e.pr == 40 for e in entries)
    rule = next(e for e in entries if e.payload["user"] == "carol").payload
    assert rule["rule_ids"] == ["py.bare-except"] and rule["subagent"] == "antipatterns"

    rep = feedback.report(runtime.engine, floor=0.5, min_ratings=1)
    rows = {(r.scope, r.name): r for r in rep.rows}
    bare = rows[("rule", "py.bare-except")]
    assert (bare.posted, bare.rated, bare.helpful, bare.unhelpful) == (1, 1, 1, 0)
    assert rows[("subagent", "(summary)")].unhelpful == 1

    out = CliRunner().invoke(cli, ["feedback", "report", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert any(r["name"] == "py.bare-except" and r["helpful"] == 1 for r in data["rows"])
    sample = metrics.REGISTRY.get_sample_value(
        "reviewer_feedback_helpful_rate", {"scope": "rule", "name": "py.bare-except"}
    )
    assert sample == 1.0
    table = CliRunner().invoke(cli, ["feedback", "report"])
    assert "py.bare-except" in table.output and "95% CI" in table.output
    csv_out = CliRunner().invoke(cli, ["feedback", "report", "--format", "csv", "--repo", REPO])
    assert csv_out.output.splitlines()[0].startswith("scope,name,posted,rated")


@pytest.fixture(autouse=True)
def _env(monkeypatch, github_env):
    for key, value in github_env.items():
        monkeypatch.setenv(key, value)


def test_unchanged_reactions_cost_a_free_304(fake_github, runtime, reviewed):
    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    fake_github.add_reaction(REPO, inline, "+1", user="bob")
    cycle(runtime, fake_github)
    fake_github.reset_requests()
    result = cycle(runtime, fake_github, now=time.time() + 3600)
    reaction_calls = [r for r in fake_github.requests if r.path.endswith("/reactions")]
    assert [r.status for r in reaction_calls] == [304, 304]
    assert all("if-none-match" in r.headers for r in reaction_calls)
    assert result.not_modified == 2 and result.ratings_added == 0


def test_etags_belong_to_the_token_that_got_them(fake_github, runtime, reviewed):
    """GitHub answers another token's If-None-Match with a full 200: after the token is
    re-minted (expired here), no stale ETag is sent, and the new ones are kept."""
    cycle(runtime, fake_github)
    minted = len(fake_github.tokens())
    fake_github.expire_all_tokens()
    fake_github.reset_requests()
    cycle(runtime, fake_github, now=time.time() + 3600)
    assert len(fake_github.tokens()) == minted + 1
    reaction_calls = [r for r in fake_github.requests if r.path.endswith("/reactions")]
    assert [r.status for r in reaction_calls] == [200, 200]
    assert not any("if-none-match" in r.headers for r in reaction_calls)
    fake_github.reset_requests()
    cycle(runtime, fake_github, now=time.time() + 7200)
    reaction_calls = [r for r in fake_github.requests if r.path.endswith("/reactions")]
    assert [r.status for r in reaction_calls] == [304, 304]


def test_not_due_yet_makes_no_request(fake_github, runtime, reviewed):
    cycle(runtime, fake_github)
    fake_github.reset_requests()
    result = cycle(runtime, fake_github, now=time.time() + 60)
    assert result.pulls == 0 and fake_github.requests == []


def test_removed_reaction_is_retracted(fake_github, runtime, reviewed):
    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    fake_github.add_reaction(REPO, inline, "-1", user="bob")
    cycle(runtime, fake_github)
    fake_github.repo(REPO).reactions[("pull", inline)].clear()
    result = cycle(runtime, fake_github, now=time.time() + 3600)
    assert result.ratings_retracted == 1
    assert (
        list(runtime.audit.entries(kind="feedback"))[-1]
        .payload["retracted"]
        .startswith("reaction:")
    )
    assert feedback.report(runtime.engine).rows[0].rated == 0


def test_pagination_reads_every_reaction(fake_github, runtime, reviewed):
    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    for n in range(105):
        fake_github.add_reaction(REPO, inline, "+1" if n % 5 else "-1", user=f"user{n}")
    fake_github.reset_requests()
    result = cycle(runtime, fake_github)
    assert result.ratings_added == 105
    pages = [r for r in fake_github.requests if r.path.endswith(f"/comments/{inline}/reactions")]
    assert [r.query.get("page") for r in pages] == [None, "2"]
    rep = {(r.scope, r.name): r for r in feedback.report(runtime.engine).rows}
    assert rep[("rule", "py.bare-except")].helpful == 1  # 84 helpful votes to 21: helpful


def test_deleted_comments_stop_being_polled(fake_github, runtime, reviewed):
    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    summary = fake_github.issue_comments(REPO, 40)[0]["id"]
    del fake_github.repo(REPO).review_comments[inline]
    del fake_github.repo(REPO).issue_comments[summary]
    result = cycle(runtime, fake_github)
    assert result.deleted == 2 and result.errors == []
    fake_github.reset_requests()
    cycle(runtime, fake_github, now=time.time() + 3600)
    assert not [r for r in fake_github.requests if r.path.endswith("/reactions")]


def test_rate_limit_defers_the_cycle(fake_github, runtime, reviewed):
    fake_github.rate_limit_next(
        1, status=403, retry_after=3600, primary=True, path_contains="/pulls/40"
    )
    result = cycle(runtime, fake_github)
    assert result.deferred and "rate limited" in result.deferred
    assert feedback.due_pulls(runtime.engine, time.time())  # still due next time


def test_rate_limit_reserve_stops_before_exhausting_the_budget(fake_github, runtime, reviewed):
    low = runtime.settings.model_copy(update={"feedback_rate_limit_reserve": 10_000})
    runtime.settings = low
    result = cycle(runtime, fake_github)
    assert result.deferred and "reserve" in result.deferred and result.requests <= 3


def test_polling_stops_14_days_after_close(fake_github, runtime, reviewed):
    fake_github.pull(REPO, 40).state = "closed"
    now = time.time()
    cycle(runtime, fake_github, now=now + 1)
    assert feedback.due_pulls(runtime.engine, now + 13 * DAY)
    fake_github.pull(REPO, 40).title = "Edited after close"  # a new ETag: a full answer
    result = cycle(runtime, fake_github, now=now + 15 * DAY)
    assert result.stopped_polling == 1
    assert feedback.due_pulls(runtime.engine, now + 100 * DAY) == []


def test_recent_prs_are_polled_more_often_than_old_ones():
    now = 1_000_000.0
    assert feedback.next_interval(now, now - 3600) < feedback.next_interval(now, now - 3 * DAY)
    assert feedback.next_interval(now, now - 3 * DAY) < feedback.next_interval(now, now - 30 * DAY)


def _feedback_job(runtime, pull, payload):
    runtime.queue.enqueue(
        JobRequest(
            kind=JobKind.feedback,
            installation_id=INSTALLATION_ID,
            repo=REPO,
            pr=pull.number,
            head_sha=f"comment:{payload.get('comment_id', 1)}",
            payload=payload,
        ),
        None,
    )
    drain(runtime)


def test_feedback_command_and_resolved_thread(fake_github, runtime, reviewed):
    ours = posted(runtime, 40)["review"]
    _feedback_job(
        runtime,
        reviewed,
        {
            "signal": "command",
            "finding_id": ours["fingerprint"][:10],
            "rating": "unhelpful",
            "reason": "the except is re-raised two lines below",
            "commenter": "bob",
            "comment_id": 77,
        },
    )
    _feedback_job(
        runtime,
        reviewed,
        {
            "signal": "resolved",
            "resolved": True,
            "thread_comment_id": ours["comment_id"],
            "by": "alice",
            "comment_id": 78,
        },
    )
    entries = [e.payload for e in runtime.audit.entries(kind="feedback")]
    assert [(e["signal"], e["rating"], e["strong"]) for e in entries] == [
        ("command", "unhelpful", True),
        ("resolved", "helpful", False),
    ]
    assert entries[0]["reason"] == "the except is re-raised two lines below"
    row = {(r.scope, r.name): r for r in feedback.report(runtime.engine).rows}[
        ("rule", "py.bare-except")
    ]
    assert (row.unhelpful, row.resolved) == (1, 1)
    _feedback_job(runtime, reviewed, {"signal": "command", "finding_id": "nope", "rating":
                  "helpful", "commenter": "bob", "comment_id": 79})  # fmt: skip
    assert "no finding `nope`" in fake_github.issue_comments(REPO, 40)[-1]["body"]


def test_auto_demotion_is_audited_and_moves_findings_to_the_summary(fake_github, runtime, reviewed):
    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    fake_github.add_reaction(REPO, inline, "-1", user="bob")
    runtime.settings = runtime.settings.model_copy(
        update={
            "feedback_auto_demote": True,
            "feedback_min_ratings": 1,
            "feedback_precision_floor": 0.99,
        }
    )
    cycle(runtime, fake_github)
    [config] = runtime.audit.entries(kind="config")
    assert config.payload["action"] == "rule_demoted"
    assert config.payload["rule_id"] == "py.bare-except"
    assert feedback.demoted_rules(runtime.engine) == {"py.bare-except"}
    pull = make_pull(fake_github, 41)
    enqueue(runtime, pull)
    drain(runtime)
    assert fake_github.review_comments(REPO, 41) == []
    assert "py.bare-except" in fake_github.issue_comments(REPO, 41)[0]["body"]


def test_wilson_interval():
    low, high = feedback.wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.49, 0.943)
    assert feedback.wilson(0, 0) == (0.0, 1.0)


def test_worker_background_poller_records_ratings(fake_github, runtime, reviewed):
    import threading

    inline = fake_github.review_comments(REPO, 40)[0]["id"]
    fake_github.add_reaction(REPO, inline, "+1", user="bob")
    stop = threading.Event()
    creds = AppCredentials.from_settings(runtime.settings)
    assert feedback.start_poller(runtime, creds, stop, 0) is None  # 0 turns it off
    thread = feedback.start_poller(runtime, creds, stop, 3600)
    try:
        deadline = time.monotonic() + 20
        while not list(runtime.audit.entries(kind="feedback")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    [entry] = runtime.audit.entries(kind="feedback")
    assert (entry.payload["user"], entry.payload["rating"]) == ("bob", "helpful")
