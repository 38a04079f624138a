"""Repo policy: precise errors (file, line, key) and the host's ceiling on limits."""

from __future__ import annotations

import json

import pytest

from reviewer.errors import PolicyError
from reviewer.policy import Limits, Policy, load_policy
from tests.cli import review_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nlimits:\n  max_flies: 3\n", ".github/reviewer.yml:3: limits.max_flies"),
        ("version: 1\nauto_approve: maybe\n", ".github/reviewer.yml:2: auto_approve"),
        ("version: 2\n", ".github/reviewer.yml:1: version"),
        ("authors:\n  allow:\n    - [nested]\n", ".github/reviewer.yml:3: authors.allow.0"),
        ("limits: [\n", "not valid YAML"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_errors_name_file_line_and_key(text, expected):
    with pytest.raises(PolicyError) as err:
        load_policy(text)
    assert expected in str(err.value)


def test_defaults_and_shadow_mode():
    policy = load_policy(None)
    assert policy == Policy() and policy.auto_approve is False
    assert ".github/workflows/**" in policy.sensitive_paths


def test_repo_cannot_raise_limits_past_the_host_ceiling():
    text = "version: 1\nlimits: {max_files: 500, max_changed_lines: 50}\n"
    policy = load_policy(text, ceiling=Limits(max_files=30, max_changed_lines=1000, max_areas=5))
    assert (policy.limits.max_files, policy.limits.max_changed_lines) == (30, 50)
    assert policy.limits.max_areas == 3


def test_local_review_applies_the_host_ceiling(git_repo, tmp_path):
    git_repo.commit(
        "Initial",
        {
            ".github/reviewer.yml": "version: 1\nlimits: {max_files: 500}\n",
            "a.txt": "1\n",
            "b.txt": "1\n",
        },
    )
    git_repo.commit("Change both", {"a.txt": "2\n", "b.txt": "2\n"})
    env = {"REVIEWER_LIMITS_MAX_FILES": "1"}
    proc = review_json(git_repo.path, tmp_path / "r.db", env)
    assert proc.returncode == 0, proc.stderr
    codes = [r["code"] for r in json.loads(proc.stdout)["reasons"]]
    assert "size.files" in codes


AWS = "AKIA" + "Q7ZX3KDN5LPR2WMT"
GATE_CASES = [
    ("size.files", "version: 1\nlimits: {max_files: 1}\n", {"a.py": "x = 2\n", "b.py": "y = 2\n"}),
    ("size.lines", "version: 1\nlimits: {max_changed_lines: 1}\n", {"a.py": "x = 2\nz = 3\n"}),
    ("size.areas", "version: 1\nlimits: {max_areas: 1}\n", {"src/a.py": "1\n", "lib/b.py": "2\n"}),
    ("coverage.partial", "version: 1\n", {"logo.png": b"\x89PNG\x00\x01binary"}),
    ("path.sensitive", "version: 1\nsensitive_paths: ['src/**']\n", {"src/a.py": "x = 2\n"}),
    (
        "path.sensitive",
        "version: 1\nrequire_human_for: {paths: ['docs/**']}\n",
        {"docs/x.md": "hi\n"},
    ),
    ("author.untrusted", "version: 1\nauthors: {deny: ['Ada Dev']}\n", {"a.py": "x = 2\n"}),
    ("finding.blocker", "version: 1\n", {"a.py": f'KEY = "{AWS}"\n'}),
    ("model.skipped", "version: 1\n", {"a.py": "x = 2\n"}),
    ("policy.invalid", "version: 1\nlimits: {max_files: many}\n", {"a.py": "x = 2\n"}),
    (
        "policy.self_edit",
        "version: 1\n",
        {".github/reviewer.yml": "version: 1\nauto_approve: true\n"},
    ),
]


@pytest.mark.parametrize(
    ("code", "policy", "change"), GATE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(GATE_CASES)]
)
def test_each_gate_fires_from_a_real_policy_file(git_repo, tmp_path, code, policy, change):
    git_repo.commit("Initial", {".github/reviewer.yml": policy, "a.py": "x = 1\n"})
    for rel, content in change.items():
        target = git_repo.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    git_repo.commit("Change things\n\nBecause reasons. Fixes #1. Tested with pytest.")
    proc = review_json(git_repo.path, tmp_path / "r.db")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert code in [r["code"] for r in result["reasons"]]
    assert result["verdict"] == "human"
