"""``reviewer review`` on generated local repositories, through the real CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli import review_json, run_reviewer
from tests.conftest import GitRepo, git

AWS_KEY = "AKIA" + "Z7QX3KDN5LPR2WMT"
CONTRACT_KEYS = {"verdict", "reasons", "reports", "findings", "coverage", "usage"}
REPORT_KEYS = {
    "subagent",
    "status",
    "findings",
    "recommendation",
    "rationale",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_usd",
    "duration_ms",
    "error",
    "coverage",
}


@pytest.fixture
def risky_repo(git_repo: GitRepo) -> GitRepo:
    git_repo.commit(
        "Initial import",
        {"app/settings.py": "DEBUG = False\n", ".github/workflows/ci.yml": "on: push\n"},
    )
    git_repo.commit(
        "Add S3 upload\n\nUploads reports to S3 so that finance can read them.\n",
        {
            "app/settings.py": f'DEBUG = False\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n',
            ".github/workflows/ci.yml": "on: [push, pull_request_target]\n",
        },
    )
    return git_repo


def test_json_review_of_committed_aws_key_and_workflow_change(risky_repo, tmp_path):
    proc = run_reviewer(
        "review",
        "--repo",
        str(risky_repo.path),
        "--base",
        "HEAD~1",
        "--format",
        "json",
        db=tmp_path / "r.db",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result) == CONTRACT_KEYS
    assert result["verdict"] == "human"
    codes = {r["code"] for r in result["reasons"]}
    assert {"path.sensitive", "finding.blocker", "model.skipped"} <= codes
    assert [r["subagent"] for r in result["reports"]] == [
        "description",
        "intent",
        "safety",
        "logic",
        "antipatterns",
        "tracing",
    ]
    assert all(set(r) == REPORT_KEYS for r in result["reports"])
    secret = [f for f in result["findings"] if f["severity"] == "blocker"]
    assert secret and secret[0]["path"] == "app/settings.py" and secret[0]["start_line"] == 2
    assert AWS_KEY not in proc.stdout, "the secret itself must never be printed"
    assert result["coverage"] == {"reviewed": 2, "changed": 2}
    assert set(result["usage"]) == {
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "cost_usd",
        "github_requests",
        "duration_ms",
    }
    audit = run_reviewer("audit", "query", db=tmp_path / "r.db")
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    assert len(entries) == 1 and entries[0]["payload"]["verdict"] == "human"
    assert run_reviewer("audit", "verify", db=tmp_path / "r.db").returncode == 0


def test_markdown_review_is_readable(risky_repo, tmp_path):
    proc = run_reviewer(
        "review", "--repo", str(risky_repo.path), "--base", "HEAD~1", db=tmp_path / "r.db"
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("## A human review is needed")
    # The reason that matters comes right after the verdict and the title: the secret.
    why = out.splitlines()[4]
    assert why.startswith("**Why:** Possible secret committed") and "`finding.blocker`" in why
    # Then the findings, most severe group first, then the other reasons, one line for
    # the model parts that did not run, and the panel table last.
    order = ["### Findings", "**blocker**", "**major**", "### Other reasons",
             "Model parts skipped", "### Panel"]  # fmt: skip
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions), out
    assert "`path.sensitive`" in out and "| safety |" in out
    assert out.count("model.skipped") == 1
    assert ":None" not in out


def test_no_model_never_approves_even_a_clean_change(git_repo, tmp_path):
    git_repo.commit("Initial", {"README.md": "hello\n"})
    git_repo.commit(
        "Fix typo in README\n\nFixes #12. Tested by reading it.", {"README.md": "hello world\n"}
    )
    proc = review_json(git_repo.path, tmp_path / "r.db")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "human"


@pytest.mark.parametrize(
    ("setup", "base", "message"),
    [
        ("single", "HEAD~1", "single commit"),
        ("two", "no-such-ref", "is not a commit"),
        ("none", "HEAD~1", "is not a git repository"),
        ("two", "HEAD", "same commit"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, setup, base, message):
    path = tmp_path / "repo"
    if setup == "none":
        path.mkdir()
    else:
        repo = GitRepo(path)
        repo.commit("one", {"a.txt": "1\n"})
        if setup == "two":
            repo.commit("two", {"a.txt": "2\n"})
    proc = run_reviewer("review", "--repo", str(path), "--base", base, db=tmp_path / "r.db")
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.startswith("error")]) == 1


def test_policy_and_guidance_come_from_the_base_not_the_head(git_repo, tmp_path):
    git_repo.commit("Initial", {"src/a.py": "x = 1\n"})
    git_repo.commit(
        "Loosen policy",
        {
            ".github/reviewer.yml": "version: 1\nauto_approve: true\nsensitive_paths: []\n",
            "src/a.py": "x = 2\n",
        },
    )
    proc = review_json(git_repo.path, tmp_path / "r.db")
    result = json.loads(proc.stdout)
    codes = {r["code"] for r in result["reasons"]}
    assert "policy.self_edit" in codes and result["verdict"] == "human"


def test_invalid_policy_on_base_sends_to_human_with_the_error(git_repo, tmp_path):
    git_repo.commit("Initial", {".github/reviewer.yml": "version: 1\nlimits: {max_flies: 3}\n"})
    git_repo.commit("Change", {"src/a.py": "x = 2\n"})
    proc = review_json(git_repo.path, tmp_path / "r.db")
    reasons = json.loads(proc.stdout)["reasons"]
    invalid = [r for r in reasons if r["code"] == "policy.invalid"]
    assert invalid and "max_flies" in invalid[0]["message"]


def test_local_decisions_are_filed_under_the_origin_remote(git_repo, tmp_path):
    git_repo.commit("Initial", {"a.txt": "1\n"})
    git_repo.commit("Change", {"a.txt": "2\n"})
    subprocess.run(["git", "-C", str(git_repo.path), "remote", "add", "origin",
                    "git@github.com:acme/widgets.git"], check=True)  # fmt: skip
    db = tmp_path / "r.db"
    proc = run_reviewer("review", "--repo", str(git_repo.path), "--base", "HEAD~1", db=db)
    assert proc.returncode == 0
    lines = run_reviewer("audit", "query", db=db).stdout.splitlines()
    [entry] = [json.loads(line) for line in lines]
    assert entry["repo"] == "acme/widgets" and entry["pr"] is None
    assert entry["head_sha"] == git(git_repo.path, "rev-parse", "HEAD").strip()


def test_uncommitted_work_is_reviewed_and_said_so(git_repo: GitRepo, tmp_path: Path) -> None:
    """No --head and a dirty tree: staged, unstaged and untracked (not ignored) files are
    reviewed against the base, the header says so, and the user's index is untouched."""
    git_repo.commit("Initial", {"app/core.py": "def f():\n    return 1\n", ".gitignore": "*.log\n"})
    git_repo.commit("Add g", {"app/more.py": "def g():\n    return 2\n"})
    git_repo.write("app/core.py", "def f():\n    return 3\n")  # unstaged
    git_repo.write("app/staged.py", "A = 1\n")
    git(git_repo.path, "add", "app/staged.py")  # staged
    git_repo.write("app/new.py", "try:\n    pass\nexcept:\n    pass\n")  # untracked
    git_repo.write("debug.log", "ignored\n")  # ignored by .gitignore
    status = git(git_repo.path, "status", "--porcelain")

    proc = run_reviewer("review", "--repo", str(git_repo.path), "--base", "HEAD~1", "--format",
                   "json", "--no-audit", db=tmp_path / "r.db")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["coverage"] == {"reviewed": 4, "changed": 4}  # more, core, staged, new
    assert any(f["path"] == "app/new.py" and f["start_line"] == 3 for f in result["findings"])
    assert git(git_repo.path, "status", "--porcelain") == status, "the index was touched"

    markdown = run_reviewer("review", "--repo", str(git_repo.path), "--base", "HEAD~1",
                       "--no-audit", db=tmp_path / "r.db")  # fmt: skip
    header = markdown.stdout.splitlines()[2]
    head = git(git_repo.path, "rev-parse", "HEAD").strip()
    assert (
        "..the working tree: uncommitted changes (staged, unstaged and untracked files)" in header
    )
    assert header.endswith(f"on top of {head[:10]}**")

    committed = run_reviewer("review", "--repo", str(git_repo.path), "--base", "HEAD~1", "--head",
                        "HEAD", "--format", "json", "--no-audit", db=tmp_path / "r.db")  # fmt: skip
    assert json.loads(committed.stdout)["coverage"] == {"reviewed": 1, "changed": 1}


def test_uncommitted_work_alone_against_head(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.commit("Initial", {"app/core.py": "def f():\n    return 1\n"})
    clean = run_reviewer("review", "--repo", str(git_repo.path), "--base", "HEAD", "--no-audit",
                    db=tmp_path / "r.db")  # fmt: skip
    assert clean.returncode == 2 and "nothing to review" in clean.stderr
    git_repo.write("app/core.py", "def f():\n    return 2\n")
    dirty = run_reviewer("review", "--repo", str(git_repo.path), "--base", "HEAD", "--format",
                    "json", "--no-audit", db=tmp_path / "r.db")  # fmt: skip
    assert dirty.returncode == 0, dirty.stderr
    assert json.loads(dirty.stdout)["coverage"] == {"reviewed": 1, "changed": 1}
