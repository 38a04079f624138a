"""``reviewer review`` on real repositories whose file names try to slip past the gates.

``git diff`` quotes names with unusual bytes (``"a/d\\303\\251ploy.yml"``) and its header
``diff --git a/x b/y`` cannot be split when a name holds `` b/``; the review reads names from
``--raw -z`` instead, so every gate sees the exact path.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import review_json
from tests.conftest import GitRepo, git
from tests.test_local_review import AWS_KEY


def _review(repo: GitRepo, tmp_path: Path) -> dict:
    result = review_json(repo.path, tmp_path / "r.db")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_quoted_and_ambiguous_paths_reach_the_sensitive_path_gate(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit("Initial import", {"README.md": "hello\n", "infra/x b/iam.hcl": "a = 1\n"})
    git_repo.commit(
        "Tidy the docs",
        {".github/workflows/déploy.yml": "on: push\n", "infra/x b/iam.hcl": "a = 2\n"},
    )
    output = _review(git_repo, tmp_path)
    [sensitive] = [r for r in output["reasons"] if r["code"] == "path.sensitive"]
    assert ".github/workflows/déploy.yml" in sensitive["message"]
    assert "infra/x b/iam.hcl" in sensitive["message"]
    assert output["verdict"] != "approve"


def test_secret_in_a_file_with_a_quote_in_its_name_is_found_at_its_path(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit("Initial import", {"README.md": "hello\n"})
    git_repo.commit("Add settings", {'app/we"ird b/conf.py': f'KEY = "{AWS_KEY}"\n'})
    output = _review(git_repo, tmp_path)
    paths = {f["path"] for f in output["findings"] if f["subagent"] == "safety"}
    assert 'app/we"ird b/conf.py' in paths


def test_renamed_into_a_sensitive_path_under_a_quoted_name_is_caught(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit("Initial import", {"docs/a b/run.sh": "echo hi\n" * 20})
    (git_repo.path / "infra").mkdir()
    git(git_repo.path, "mv", "docs/a b", "infra/dé")
    git_repo.commit("Move the script")
    output = _review(git_repo, tmp_path)
    [sensitive] = [r for r in output["reasons"] if r["code"] == "path.sensitive"]
    assert "infra/dé/run.sh" in sensitive["message"]


def test_key_past_column_4000_of_a_minified_line_is_found(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit("Initial import", {"README.md": "hello\n"})
    bundle = "var a=1;" * 500 + f'var k="{AWS_KEY}";' + "var b=2;" * 50 + "\n"
    assert bundle.index(AWS_KEY) > 4000
    git_repo.commit("Add the bundle", {"static/app.min.js": bundle})
    output = _review(git_repo, tmp_path)
    secrets = [f for f in output["findings"] if f["title"].startswith("Possible secret")]
    assert [(f["path"], f["severity"]) for f in secrets] == [("static/app.min.js", "blocker")]
    assert AWS_KEY not in json.dumps(output)


def test_newline_in_a_workflow_name_does_not_escape_the_gate(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit("Initial import", {"README.md": "hello\n"})
    git_repo.commit("Add a job", {".github/workflows/ci\nnotes.yml": "on: push\n"})
    output = _review(git_repo, tmp_path)
    [sensitive] = [r for r in output["reasons"] if r["code"] == "path.sensitive"]
    assert ".github/workflows/ci\nnotes.yml" in sensitive["message"]
