"""End to end: a signed delivery -> ``reviewer serve`` -> queue -> worker -> fake GitHub.

The App authenticates with a real JWT, PyGithub talks HTTP to the fake on loopback, and
the fake rejects what GitHub rejects (off-diff comments, expired tokens, bad JWTs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from reviewer.audit.log import AuditLog
from reviewer.store.db import open_database
from tests.conftest import INSTALLATION_ID, REPO, pr_payload, signed
from tests.fakes.server import free_port

OLD = {
    "app/service.py": "def load(path):\n    with open(path) as f:\n        return f.read()\n",
    "README.md": "# App\n",
}
NEW = {
    "app/service.py": (
        "def load(path):\n    try:\n        with open(path) as f:\n            return f.read()\n"
        "    except:\n        return None\n"
    ),
    "README.md": "# App\n\nLoads files.\n",
}
BODY = (
    "Make `load` tolerate missing files because the nightly job crashed on them.\n\n"
    "Fixes #12. Tested with `pytest tests/test_service.py`."
)


@contextmanager
def serving(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """``reviewer serve`` in a real subprocess with ``env``, with its in-process worker;
    yields its base URL."""
    port = free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine can take that long to import
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError(log_path.read_text())
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.fixture
def server(github_env, tmp_path):
    with serving(github_env, tmp_path / "serve.log") as base:
        yield base


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def completed_check(fake, sha: str):
    runs = [r for r in fake.check_runs(REPO, sha) if r["status"] == "completed"]
    return runs[-1] if runs else None


def test_opened_pr_is_reviewed_and_published(fake_github, server, sqlite_url):
    pull = fake_github.add_pull_from_contents(
        REPO,
        1,
        old=OLD,
        new=NEW,
        title="Tolerate missing files in load",
        body=BODY,
        author="alice",
        author_association="MEMBER",
    )
    body, headers = signed(pr_payload("opened", pull))
    answer = httpx.post(server + "/webhook", content=body, headers=headers)
    assert answer.status_code == 202, answer.text

    check = wait_for(lambda: completed_check(fake_github, pull.head_sha), what="check run")
    audit = AuditLog(open_database(sqlite_url))
    # The decision is recorded last, after publishing and noting what was posted.
    wait_for(lambda: list(audit.entries(kind="decision")), what="the audit entry")
    assert check["name"] == "reviewer/approval"
    assert check["conclusion"] == "action_required"
    assert "human" in check["output"]["title"].lower()

    reviews = fake_github.reviews(REPO, 1)
    assert len(reviews) == 1 and reviews[0]["state"] == "COMMENTED"
    comments = fake_github.review_comments(REPO, 1)
    assert [(c["path"], c["line"]) for c in comments] == [("app/service.py", 5)]
    assert "py.bare-except" in comments[0]["body"]

    assert fake_github.labels(REPO, 1) == ["reviewer: human"]
    summaries = fake_github.issue_comments(REPO, 1)
    assert len(summaries) == 1 and "<!-- reviewer:summary -->" in summaries[0]["body"]
    assert "model.skipped" in summaries[0]["body"]

    entries = list(audit.entries())
    assert [(e.kind, e.pr, e.head_sha) for e in entries] == [
        ("opened", 1, pull.head_sha),
        ("decision", 1, pull.head_sha),
    ]
    assert entries[1].payload["verdict"] == "human"
    assert entries[1].payload["usage"]["github_requests"] >= 10

    calls = [(r.method, r.path) for r in fake_github.requests]
    assert calls == [
        ("POST", f"/app/installations/{INSTALLATION_ID}/access_tokens"),
        # files and commits of the delivery's base...head, pinned: used only if the PR is
        # still at exactly these commits, so a push meanwhile changes nothing judged
        ("GET", f"/repos/acme/app/compare/{pull.base_sha}...{pull.head_sha}"),
        # one GraphQL query: the PR, its labels and reviews (a writer's "changes requested"
        # blocks), the head's check runs (ours is reused by a re-review, the others go into
        # the audit entry) and statuses, policy and guidance from the default branch,
        # CODEOWNERS from the base branch, the PR's comments (no summary of ours yet), and
        # the changed files' blobs for the tracer
        ("POST", "/graphql"),
        ("POST", "/repos/acme/app/check-runs"),
        ("GET", f"/repos/acme/app/git/trees/{pull.head_sha}"),  # the tracer's file list
        ("POST", "/repos/acme/app/pulls/1/reviews"),
        ("POST", "/repos/acme/app/issues/1/labels"),
        ("POST", "/repos/acme/app/issues/1/comments"),
        ("PATCH", f"/repos/acme/app/check-runs/{check['id']}"),
        ("GET", f"/repos/acme/app/pulls/1/reviews/{reviews[0]['id']}/comments"),  # feedback
    ]
    assert entries[1].payload["usage"]["github_requests"] == len(calls)


def test_duplicate_delivery_reviews_once(fake_github, server):
    pull = fake_github.add_pull_from_contents(
        REPO, 2, old=OLD, new=NEW, body=BODY, author="alice", author_association="MEMBER"
    )
    body, headers = signed(pr_payload("opened", pull), delivery="same-delivery")
    assert httpx.post(server + "/webhook", content=body, headers=headers).status_code == 202
    assert httpx.post(server + "/webhook", content=body, headers=headers).status_code == 200
    wait_for(lambda: completed_check(fake_github, pull.head_sha), what="check run")
    time.sleep(0.5)
    assert len(fake_github.check_runs(REPO, pull.head_sha)) == 1
    assert len(fake_github.issue_comments(REPO, 2)) == 1


def test_summary_comment_is_edited_in_place_on_a_new_push(fake_github, server):
    pull = fake_github.add_pull_from_contents(
        REPO, 3, old=OLD, new=NEW, body=BODY, author="alice", author_association="MEMBER"
    )
    body, headers = signed(pr_payload("opened", pull))
    httpx.post(server + "/webhook", content=body, headers=headers)
    wait_for(lambda: completed_check(fake_github, pull.head_sha), what="first check")
    newer = fake_github.push(REPO, 3, {"README.md": "# App\n\nLoads files safely.\n"})
    body, headers = signed(pr_payload("synchronize", fake_github.pull(REPO, 3)))
    assert httpx.post(server + "/webhook", content=body, headers=headers).status_code == 202
    wait_for(lambda: completed_check(fake_github, newer), what="second check")
    summaries = fake_github.issue_comments(REPO, 3)
    assert len(summaries) == 1 and newer[:12] in summaries[0]["body"]
    # The label the first review added is in the second's context query: no second POST.
    assert fake_github.labels(REPO, 3) == ["reviewer: human"]
    assert len(fake_github.calls("POST", "/issues/3/labels")) == 1


def test_bad_signature_is_rejected_and_nothing_runs(fake_github, server):
    pull = fake_github.add_pull_from_contents(REPO, 4, old=OLD, new=NEW, author="alice")
    body, headers = signed(pr_payload("opened", pull))
    headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    assert httpx.post(server + "/webhook", content=body, headers=headers).status_code == 401
    time.sleep(0.5)
    assert fake_github.requests == []


def _json_lines(path: Path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def test_a_summary_left_by_an_earlier_install_is_found_in_the_context_query(fake_github, server):
    """The database does not remember a summary on this PR (a new deployment), but one of
    our bot's is there: the context query's comments find it (GraphQL names the bot
    without REST's ``[bot]``), so it is edited in place without listing the comments."""
    pull = fake_github.add_pull_from_contents(
        REPO, 5, old=OLD, new=NEW, body=BODY, author="alice", author_association="MEMBER"
    )
    fake_github.add_issue_comment(REPO, 5, "Looks interesting <!-- reviewer:summary -->")
    ours = fake_github.add_issue_comment(
        REPO, 5, "<!-- reviewer:summary -->\nold", author=fake_github.bot_login
    )
    body, headers = signed(pr_payload("opened", pull))
    assert httpx.post(server + "/webhook", content=body, headers=headers).status_code == 202
    wait_for(lambda: completed_check(fake_github, pull.head_sha), what="check run")
    comments = fake_github.issue_comments(REPO, 5)
    assert [c["id"] for c in comments] == [comments[0]["id"], ours["id"]]
    assert pull.head_sha[:12] in comments[1]["body"] and "old" not in comments[1]["body"]
    assert not fake_github.calls("GET", "/issues/5/comments")
    assert fake_github.calls("PATCH", f"/issues/comments/{ours['id']}")
