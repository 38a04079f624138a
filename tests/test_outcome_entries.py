"""The entries the outcome report is computed from, recorded by the real job handlers
against the fake GitHub: ``opened`` (with the author type), human ``review``s at a head,
``merged`` with its time and merger, ``reverted`` with a link to the reverting PR."""

from __future__ import annotations

from reviewer.authorship import author_signals, author_type
from reviewer.context import CommitInfo
from reviewer.queue import JobKind
from tests.test_github_followups import REPO, _outcome, gate, reviewed
from tests.test_github_worker import drain, make_pull

CLAUDE = "Fix it\n\nCo-authored-by: Claude <noreply@anthropic.com>"


def test_opened_is_recorded_once_with_created_at_and_author_type(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 40, commits=["Start", {"message": CLAUDE}])
    from tests.test_github_worker import enqueue

    enqueue(runtime, pull, JobKind.command_review, {"commenter": "bob"})
    drain(runtime)
    [opened] = runtime.audit.entries(pr=40, kind="opened")
    decisions = list(runtime.audit.entries(pr=40, kind="decision"))
    assert len(decisions) == 2 and opened.seq < decisions[0].seq
    assert opened.payload["created_at"] == fake_github.pull(REPO, 40).created_at
    assert opened.payload["author"] == "alice"
    assert opened.payload["author_type"] == "ai"
    assert "Co-authored-by: Claude" in opened.payload["author_signals"][0]
    assert all(d.payload["author_type"] == "ai" for d in decisions)


def test_a_person_without_agent_signals_is_human(fake_github, runtime):
    reviewed(fake_github, runtime, 41, commits=["Plain work"])
    [opened] = runtime.audit.entries(pr=41, kind="opened")
    assert opened.payload["author_type"] == "human" and opened.payload["author_signals"] == []


def test_policy_ai_authors_and_agent_accounts_count_as_ai() -> None:
    commits = [CommitInfo(sha="a" * 40, message="Bump", author="acme-agent")]
    assert author_type(author_signals("alice", commits)) == "human"
    assert author_signals("alice", commits, ai_authors=["Acme-Agent"]) == [
        f"commit {'a' * 12} by acme-agent"
    ]
    assert author_type(author_signals("copilot-swe-agent[bot]", [])) == "ai"
    signed = CommitInfo(sha="b" * 40, message="x\n\n🤖 Generated with [Claude Code](...)")
    assert author_type(author_signals("alice", [signed])) == "ai"


def test_human_reviews_are_recorded_once_with_their_head(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 42)
    fake_github.add_review(REPO, 42, user="bob", state="CHANGES_REQUESTED")
    fake_github.add_review(REPO, 42, user="carol", state="APPROVED", commit_id="0" * 40)
    fake_github.add_review(REPO, 42, user="bob", state="COMMENTED")
    gate(runtime, fake_github.pull(REPO, 42))
    fake_github.add_review(REPO, 42, user="bob", state="APPROVED")
    gate(runtime, fake_github.pull(REPO, 42))
    reviews = [e.payload for e in runtime.audit.entries(pr=42, kind="review")]
    assert [(r["by"], r["state"], r["at_head"]) for r in reviews] == [
        ("bob", "CHANGES_REQUESTED", True),
        ("carol", "APPROVED", False),
        ("bob", "APPROVED", True),
    ]
    assert all(r["commit_id"] and r["submitted_at"] for r in reviews)
    assert {e.head_sha for e in runtime.audit.entries(pr=42, kind="review")} == {pull.head_sha}


def test_merge_keeps_time_and_merger_and_revert_links_the_reverting_pr(fake_github, runtime):
    pull = make_pull(fake_github, 43)
    merge = {
        "merge_commit_sha": "c" * 40,
        "merged_by": "bob",
        "merged_at": "2026-11-02T10:00:00Z",
        "html_url": f"https://github.com/{REPO}/pull/43",
        "title": "Tolerate missing files",
        "body": "",
    }
    runtime.queue.enqueue(_outcome(43, pull.head_sha, merge), None)
    drain(runtime)
    revert = {
        "merge_commit_sha": "d" * 40,
        "merged_by": "carol",
        "merged_at": "2026-11-05T09:30:00Z",
        "html_url": f"https://github.com/{REPO}/pull/44",
        "title": 'Revert "Tolerate missing files"',
        "body": f"Reverts {REPO}#43",
    }
    runtime.queue.enqueue(_outcome(44, "e" * 40, revert), None)
    drain(runtime)
    [merged] = runtime.audit.entries(pr=43, kind="merged")
    assert merged.payload["merged_at"] == "2026-11-02T10:00:00Z"
    assert merged.payload["merged_by"] == "bob"
    [reverted] = runtime.audit.entries(kind="reverted")
    assert reverted.pr == 43
    assert reverted.payload["reverted_by_url"] == f"https://github.com/{REPO}/pull/44"
    assert reverted.payload["reverted_at"] == "2026-11-05T09:30:00Z"
