"""What a diff's text does not show: a key pasted in the PR title, the description or a
commit message (found, a blocker, masked in every output), a submodule bump or a
``.gitmodules`` edit (code of another repository: ``coverage.submodule``) and a symlink
(shown with its target). Locally through ``reviewer review`` on real repositories, and on
GitHub through ``reviewer serve`` and the fake GitHub."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from reviewer.audit.log import AuditLog
from reviewer.store.db import open_database
from tests.cli import run_reviewer
from tests.conftest import REPO, GitRepo, git, pr_payload, signed
from tests.test_github_e2e import NEW, OLD, completed_check, serving, wait_for
from tests.test_local_review import AWS_KEY

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
    markdown = run_reviewer(*base, db=tmp_path / "r.db")
    as_json = run_reviewer(*base, "--format", "json", db=tmp_path / "r.db")
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


def _review(repo: GitRepo, tmp_path: Path) -> dict:
    result = run_reviewer(
        "review", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json",
        "--no-audit", db=tmp_path / "r.db",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    output: dict = json.loads(result.stdout)
    return output


def _gitlink(repo: GitRepo, path: str, sha: str) -> None:
    git(repo.path, "update-index", "--add", "--cacheinfo", f"160000,{sha},{path}")


def test_submodule_bump_is_a_coverage_gap(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("README.md", "hello\n")
    git(git_repo.path, "add", "README.md")
    _gitlink(git_repo, "vendor/lib", "a" * 40)
    git(git_repo.path, "commit", "-qm", "Add the library")
    _gitlink(git_repo, "vendor/lib", "b" * 40)
    git(git_repo.path, "commit", "-qm", "Bump the library")
    [gap] = [r for r in _review(git_repo, tmp_path)["reasons"] if r["code"] == "coverage.submodule"]
    assert "vendor/lib" in gap["message"]


def test_gitmodules_edit_is_a_coverage_gap(git_repo: GitRepo, tmp_path: Path) -> None:
    modules = '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://example.com/{}.git\n'
    git_repo.commit("Add the library", {".gitmodules": modules.format("lib")})
    git_repo.commit("Point it elsewhere", {".gitmodules": modules.format("evil")})
    [gap] = [r for r in _review(git_repo, tmp_path)["reasons"] if r["code"] == "coverage.submodule"]
    assert ".gitmodules" in gap["message"]


def test_symlink_is_shown_with_its_target(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("config/dev.yml", "debug: true\n")
    (git_repo.path / "settings.yml").symlink_to("config/dev.yml")
    git_repo.write("app.py", "print(1)\n")
    git_repo.commit("Initial import")
    (git_repo.path / "settings.yml").unlink()
    (git_repo.path / "settings.yml").symlink_to("/etc/passwd")
    (git_repo.path / "app.py").unlink()
    (git_repo.path / "app.py").symlink_to("config/dev.yml")  # a file becomes a link
    git_repo.commit("Use the system settings")
    links = {
        f["title"]: f["severity"]
        for f in _review(git_repo, tmp_path)["findings"]
        if f["title"].startswith("Symlink")
    }
    assert links == {
        "Symlink `settings.yml` -> `/etc/passwd`": "major",
        "Symlink `app.py` -> `config/dev.yml`": "info",
    }


def test_submodule_bump_on_github_is_a_coverage_gap(fake_github, server, sqlite_url) -> None:
    old = {**OLD, "vendor/lib": f"Subproject commit {'a' * 40}"}
    new = {**NEW, "vendor/lib": f"Subproject commit {'b' * 40}"}
    pull = fake_github.add_pull_from_contents(
        REPO, 6, old=old, new=new, title="Bump the library", body="Bumps lib. Tested in CI.",
        author="alice", author_association="MEMBER",
    )  # fmt: skip
    payload, headers = signed(pr_payload("opened", pull))
    assert httpx.post(server + "/webhook", content=payload, headers=headers).status_code == 202
    audit = AuditLog(open_database(sqlite_url))
    [decision] = wait_for(lambda: list(audit.entries(kind="decision")), what="the decision")
    [gap] = [r for r in decision.payload["reasons"] if r["code"] == "coverage.submodule"]
    assert "vendor/lib" in gap["message"]
