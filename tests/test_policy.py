"""Repo policy: precise errors (file, line, key) and the host's ceiling on limits."""

from __future__ import annotations

import json

import pytest

from reviewer.errors import PolicyError
from reviewer.policy import Limits, Policy, load_policy
from tests.test_local_review import review_json


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
    proc = review_json(git_repo.path, tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    codes = [r["code"] for r in json.loads(proc.stdout)["reasons"]]
    assert "size.files" in codes
