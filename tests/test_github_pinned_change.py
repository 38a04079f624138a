"""Issue 14 item 2, as the attack: a push lands between the reviewer reading the PR (its
head sha) and reading its files. The old head must never be judged on the new code (nor
the reverse), end to end through ``reviewer serve`` and the fake GitHub."""

from __future__ import annotations

import httpx
import pytest

from reviewer.audit.log import AuditLog
from reviewer.github.context import COMPARE_MAX_FILES, HeadMoved, pinned_change
from reviewer.github.snapshot import read_snapshot
from reviewer.store.db import open_database
from tests.conftest import REPO, pr_payload, signed
from tests.test_github_e2e import BODY, completed_check, serving, wait_for
from tests.test_tracing_sources import client_for

KEY = "AKIA" + "J7QX2MZP4KD3TR5W"  # an AWS access key id: the safety gate finds it
DIRTY = {"app/settings.py": f'AWS_KEY = "{KEY}"\n'}
CLEAN = {"app/settings.py": 'AWS_KEY = os.environ["AWS_KEY"]\n'}


def test_a_push_between_reading_the_head_and_its_files_changes_nothing_judged(
    fake_github, github_env, tmp_path, sqlite_url
):
    pull = fake_github.add_pull_from_contents(
        REPO, 21, old={"app/settings.py": "AWS_KEY = None\n"}, new=DIRTY, title="Settings",
        body=BODY, author="alice", author_association="MEMBER",
    )  # fmt: skip
    dirty = pull.head_sha
    # The attacker swaps the key out right after the reviewer learnt the head: old code
    # then judged the dirty commit on the clean files, and a force-push back to it later
    # would carry that verdict.
    fake_github.after_request(
        "POST", "/graphql", lambda: fake_github.push(REPO, pull.number, CLEAN)
    )
    body, headers = signed(pr_payload("opened", pull))
    with serving(github_env, tmp_path / "serve.log") as base:
        assert httpx.post(base + "/webhook", content=body, headers=headers).status_code == 202
        check = wait_for(lambda: completed_check(fake_github, dirty), what="the check on it")
        audit = AuditLog(open_database(sqlite_url))
        (decision,) = wait_for(lambda: list(audit.entries(kind="decision")), what="a decision")
    assert fake_github.pull(REPO, pull.number).head_sha != dirty  # the push did land
    assert decision.head_sha == dirty
    assert check["conclusion"] == "action_required"
    assert "secret" in check["output"]["summary"].lower(), check["output"]["summary"]


def test_past_the_comparison_limit_a_moved_head_stops_the_review(fake_github, app_keys):
    """Over 300 files the comparison cannot list them all: the PR's own lists are read and
    the head is read again; a push in between raises ``HeadMoved``, never a mixed view."""
    new = {f"docs/page{i}.md": f"page {i}\n" for i in range(COMPARE_MAX_FILES + 1)}
    before = fake_github.add_pull_from_contents(REPO, 22, new=new, author="alice").head_sha
    client = client_for(fake_github, app_keys)
    pr = read_snapshot(client, REPO, 22).pr
    fake_github.after_request("GET", "/pulls/22/files", lambda: fake_github.push(REPO, 22, CLEAN))
    with pytest.raises(HeadMoved) as moved:
        pinned_change(client, REPO, 22, pr)
    assert moved.value.sha == fake_github.pull(REPO, 22).head_sha != before
    assert not fake_github.calls("GET", "/compare/")


def test_a_truncated_tree_is_a_trace_gap_not_a_silent_one(fake_github, app_keys):
    """GitHub cuts a recursive tree past its limits and says ``truncated: true``; the
    tracer then cannot see every caller, and says so."""
    from reviewer.github.context import build_github_context
    from subagents.tracing import trace_for_context

    new = {"app/calc.py": "def add(a, b):\n    return a + b\n"}
    fake_github.add_pull_from_contents(REPO, 23, old={"app/main.py": "x = 1\n"}, new=new)
    fake_github.tree_entry_limit = 2
    client = client_for(fake_github, app_keys)
    ctx = build_github_context(client, REPO, 23, read_snapshot(client, REPO, 23), installation_id=1)
    trace = trace_for_context(ctx, 5000)
    assert trace.omitted["tree truncated by GitHub (files past its listing not traced)"] == 1


def test_a_comparison_of_other_commits_is_not_used(fake_github, app_keys):
    """The delivery's base...head is compared before the PR is read (so the query can read
    the changed blobs along); when the PR is no longer at exactly those commits (its base
    moved meanwhile), the PR's own commits are compared again."""
    from reviewer.github.context import build_github_context
    from reviewer.github.priming import Comparison

    old, new = {"app/a.py": "x = 1\n"}, {"app/a.py": "x = 2\n"}
    pull = fake_github.add_pull_from_contents(REPO, 24, old=old, new=new, author="alice")
    client = client_for(fake_github, app_keys)
    elsewhere = {"filename": "app/other.py", "status": "added", "sha": "1" * 40, "changes": 1,
                 "additions": 1, "deletions": 0, "patch": "@@ -0,0 +1 @@\n+y"}  # fmt: skip
    stale = Comparison("0" * 40, pull.head_sha, {"files": [elsewhere], "commits": []})
    snap = read_snapshot(client, REPO, 24, comparison=stale)
    ctx = build_github_context(client, REPO, 24, snap, installation_id=1)
    assert [f.path for f in ctx.files] == ["app/a.py"]
    assert fake_github.calls("GET", f"/compare/{pull.base_sha}...{pull.head_sha}")


def test_commits_past_githubs_list_limit_are_not_silently_dropped(fake_github, app_keys):
    """GitHub lists at most 250 commits of a comparison (and of a PR); the authors of the
    rest are unknown, so the PR cannot be judged whole: it says so, for a human."""
    from reviewer.github.context import build_github_context

    commits = [f"Step {i}" for i in range(251)]
    fake_github.add_pull_from_contents(
        REPO, 25, old={"app/a.py": "x = 1\n"}, new={"app/a.py": "x = 2\n"}, commits=commits
    )
    client = client_for(fake_github, app_keys)
    ctx = build_github_context(client, REPO, 25, read_snapshot(client, REPO, 25), installation_id=1)
    assert len(ctx.commits) == 250
    assert "1 commits beyond GitHub's list limit (their authors were not read)" in ctx.unreviewable
