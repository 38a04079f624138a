"""``reviewer worker --concurrency 4`` against the fake GitHub and the scripted model.

Each worker thread runs its own event loop. The model SDK clients were made once per
process, so their connections belonged to the first loop that used them and every review
on another loop failed (closed, so never approved, but useless). Four reviews run at once
here, and every one of them must get real model answers.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reviewer.audit.log import AuditLog
from reviewer.llm import configured_model
from reviewer.settings import load_settings
from reviewer.store.db import open_database
from subagents.modelpart import ModelReview
from tests.conftest import pr_payload, reviewer_env, signed
from tests.fakes.models import answer
from tests.fakes.server import running
from tests.test_github_e2e import BODY, NEW, OLD, wait_for
from tests.test_llm_providers import prompt

REVIEWS = 4


def test_four_concurrent_reviews_all_get_model_answers(
    fake_github, fake_models, app_keys, sqlite_url, tmp_path: Path
) -> None:
    from reviewer.app import create_app
    from reviewer.runtime import make_queue

    # Slow answers, so every worker thread holds a review while the others start theirs.
    fake_models.anthropic.script(*[answer(delay=0.4)] * (REVIEWS * 8))
    env = {**reviewer_env(fake_github.api_url, app_keys[0], sqlite_url), **fake_models.env()}
    settings = load_settings(database_url=sqlite_url, webhook_secret=env["REVIEWER_WEBHOOK_SECRET"])
    engine = open_database(sqlite_url)
    pulls = [
        fake_github.add_pull_from_contents(
            "acme/app", number, old=OLD, new=NEW, title=f"Change number {number}", body=BODY,
            author="alice", author_association="MEMBER",
        )
        for number in range(1, REVIEWS + 1)
    ]  # fmt: skip
    with running(create_app(settings, make_queue(settings, engine))) as intake:
        for pull in pulls:
            body, headers = signed(pr_payload("opened", pull))
            assert httpx.post(intake + "/webhook", content=body, headers=headers).status_code == 202

    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "worker", "--concurrency", str(REVIEWS)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    audit = AuditLog(engine)
    try:
        decisions = wait_for(
            lambda: (found := list(audit.entries(kind="decision"))) and len(found) == REVIEWS
            and found,
            timeout=90,
            what="four decisions",
        )  # fmt: skip
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        engine.dispose()

    statuses = {
        entry.pr: sorted({s["status"] for s in entry.payload["subagents"] if s["model"]})
        for entry in decisions
    }
    assert statuses == {pull.number: ["ok"] for pull in pulls}, (
        tmp_path / "worker.log"
    ).read_text()
    # The reviews really overlapped: calls of different PRs were in flight together.
    calls = [
        (c, next(p.number for p in pulls if p.title in c.text)) for c in fake_models.anthropic.calls
    ]
    assert any(
        a.started < b.ended and b.started < a.ended
        for (a, pa), (b, pb) in itertools.combinations(calls, 2)
        if pa != pb
    )


@pytest.mark.parametrize("models", ["anthropic:claude-haiku-4-5", "openai:gpt-5-mini"])
def test_one_router_serves_loop_after_loop(fake_models, models: str) -> None:
    """The process-wide router used from one event loop and then from another (a worker
    thread's loop that ended, then the next one): the second review must still get its
    answer, not a connection error from a client bound to the finished loop."""
    router = configured_model(fake_models.settings(models))
    assert router is not None

    async def review() -> str:
        result = await router.session().structured(prompt(), ModelReview)
        return result.value.summary

    assert [asyncio.run(review()) for _ in range(3)] == ["Looks fine."] * 3
