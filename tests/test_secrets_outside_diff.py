"""A key pasted in the PR title, the description or a commit message is as leaked as one in
the code: it is found (a blocker) and masked in every output, locally and on GitHub."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from reviewer.audit import AuditLog
from reviewer.store.db import open_database
from tests.conftest import REPO, GitRepo, pr_payload, signed
from tests.test_github_e2e import NEW, OLD, completed_check, serving, wait_for
from tests.test_local_review import AWS_KEY, run_cli

GITHUB_TOKEN = "ghp_" + "k3Qz9XwR2mT8vL5nB7cY1pD4fH6jS0aE2uG9"


@pytest.fixture
def server(github_env, tmp_path):
    with serving(github_env, tmp_path / "serve.log") as base:
        yield base


def test_key_in_a_commit_message_is_found_and_masked_locally(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit("Initial import", {"README.md": "hello\n"})
    git_repo.commit(
        f"Use key {AWS_KEY} for uploads\n\nAlso token {GITHUB_TOKEN} for the API.\n",
        {"README.md": "hello again\n"},
    )
    base = ("review", "--repo", str(git_repo.path), "--base", "HEAD~1", "--no-audit")
    markdown = run_cli(*base, db=tmp_path / "r.db")
    as_json = run_cli(*base, "--format", "json", db=tmp_path / "r.db")
    for result in (markdown, as_json):
        assert result.returncode in (0, 1), result.stderr
        assert AWS_KEY not in result.stdout + result.stderr
        assert GITHUB_TOKEN not in result.stdout + result.stderr
    titles = [f["title"] for f in json.loads(as_json.stdout)["findings"]]
    assert any(t.startswith("Possible secret in the PR title") for t in titles), titles
    assert any(t.startswith("Possible secret in the message of commit") for t in titles)
    assert json.loads(as_json.stdout)["verdict"] != "approve"


def test_key_in_the_pr_description_is_a_blocker_and_never_published(
    fake_github, server, sqlite_url
) -> None:
    body = f"Adds the loader.\n\nTested with AWS_SECRET {AWS_KEY} on staging."
    pull = fake_github.add_pull_from_contents(
        REPO, 5, old=OLD, new=NEW, title=f"Loader {GITHUB_TOKEN}", body=body,
        author="alice", author_association="MEMBER",
    )  # fmt: skip
    payload, headers = signed(pr_payload("opened", pull))
    assert httpx.post(server + "/webhook", content=payload, headers=headers).status_code == 202
    check = wait_for(lambda: completed_check(fake_github, pull.head_sha), what="check run")
    audit = AuditLog(open_database(sqlite_url))
    [decision] = wait_for(lambda: list(audit.entries(kind="decision")), what="the decision")
    assert check["conclusion"] == "action_required"
    assert any(r["code"] == "finding.blocker" for r in decision.payload["reasons"])
    published = json.dumps(
        [
            check,
            fake_github.issue_comments(REPO, 5),
            fake_github.reviews(REPO, 5),
            fake_github.review_comments(REPO, 5),
        ]
    )
    assert "Possible secret in the PR description" in published
    assert "Possible secret in the PR title" in published
    assert AWS_KEY not in published and GITHUB_TOKEN not in published
