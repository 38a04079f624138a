"""After the review: the merge gate flipped by a qualified human, overrides, explain, and
merge/revert outcomes in the audit log — through the worker against the fake GitHub."""

from __future__ import annotations

from reviewer.queue import JobKind
from tests.test_github_worker import conclusions, drain, enqueue, make_pull

REPO = "acme/app"


def reviewed(fake, runtime, number: int, **kwargs):
    pull = make_pull(fake, number, **kwargs)
    enqueue(runtime, pull)
    drain(runtime)
    assert conclusions(fake, pull.head_sha) == ["action_required"]
    return pull


def gate(runtime, pull, action: str = "submitted") -> None:
    enqueue(runtime, pull, JobKind.gate, {"action": action})
    drain(runtime)


def test_qualified_human_approval_turns_the_gate_green(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 20)
    fake_github.add_review(REPO, 20, user="bob", state="APPROVED")
    gate(runtime, fake_github.pull(REPO, 20))
    assert conclusions(fake_github, pull.head_sha)[-1] == "success"
    [override] = runtime.audit.entries(pr=20, kind="override")
    assert override.payload["action"] == "human_approved" and override.payload["by"] == "bob"
    decision = next(runtime.audit.entries(pr=20, kind="decision"))
    assert override.payload["decision_seq"] == decision.seq


def test_unqualified_approvals_do_not_count(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 21)
    fake_github.add_review(REPO, 21, user="alice", state="APPROVED")  # the author
    fake_github.add_review(REPO, 21, user="mallory", state="APPROVED")  # read access only
    fake_github.add_review(REPO, 21, user="bob", state="APPROVED", commit_id="0" * 40)  # old
    gate(runtime, fake_github.pull(REPO, 21))
    assert conclusions(fake_github, pull.head_sha) == ["action_required"]
    assert list(runtime.audit.entries(pr=21, kind="override")) == []


def test_codeowners_must_approve_when_they_own_the_paths(fake_github, runtime):
    fake_github.set_file(REPO, "main", ".github/CODEOWNERS", "app/ @carol\n")
    fake_github.add_collaborator(REPO, "carol", "write")
    pull = reviewed(fake_github, runtime, 22)
    fake_github.add_review(REPO, 22, user="bob", state="APPROVED")
    gate(runtime, fake_github.pull(REPO, 22))
    assert conclusions(fake_github, pull.head_sha)[-1] == "action_required"
    assert "carol" in fake_github.requested_reviewers(REPO, 22)
    fake_github.add_review(REPO, 22, user="carol", state="APPROVED")
    gate(runtime, fake_github.pull(REPO, 22))
    assert conclusions(fake_github, pull.head_sha)[-1] == "success"


def test_changes_requested_after_approval_withdraws_it_and_a_push_resets(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 23)
    fake_github.add_review(REPO, 23, user="bob", state="APPROVED")
    gate(runtime, fake_github.pull(REPO, 23))
    fake_github.add_review(REPO, 23, user="bob", state="CHANGES_REQUESTED")
    gate(runtime, fake_github.pull(REPO, 23), "submitted")
    assert conclusions(fake_github, pull.head_sha)[-2:] == ["success", "action_required"]
    actions = [e.payload["action"] for e in runtime.audit.entries(pr=23, kind="override")]
    assert actions == ["human_approved", "changes_requested"]
    newer = fake_github.push(REPO, 23, {"README.md": "# App\n\nAgain.\n"})
    enqueue(runtime, fake_github.pull(REPO, 23))
    drain(runtime)
    assert conclusions(fake_github, newer) == ["action_required"]


def test_label_override_lasts_across_pushes(fake_github, runtime):
    pull = make_pull(fake_github, 24)
    enqueue(runtime, pull, JobKind.command_human, {"commenter": "mallory", "via": "label"})
    drain(runtime)
    [override] = runtime.audit.entries(pr=24, kind="override")
    assert override.payload == {"action": "human_requested", "by": "mallory", "via": "label"}
    fake_github.push(REPO, 24, {"README.md": "# App\n\nMore.\n"})
    enqueue(runtime, fake_github.pull(REPO, 24))
    drain(runtime)
    decisions = list(runtime.audit.entries(pr=24, kind="decision"))
    assert len(decisions) == 2
    assert all("override.human" in [r["code"] for r in d.payload["reasons"]] for d in decisions)


def test_explain_posts_the_reason_tree(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 25)
    enqueue(runtime, pull, JobKind.command_explain, {"commenter": "bob"})
    drain(runtime)
    explain = [c for c in fake_github.issue_comments(REPO, 25) if "reviewer:explain" in c["body"]]
    assert len(explain) == 1
    assert "`human`" in explain[0]["body"] and "`model.skipped`" in explain[0]["body"]


def test_merge_and_revert_are_recorded_against_the_decision(fake_github, runtime):
    pull = reviewed(fake_github, runtime, 26)
    runtime.queue.enqueue(
        _outcome(
            26,
            pull.head_sha,
            {
                "merge_commit_sha": "a" * 40,
                "merged_by": "bob",
                "title": "Tolerate missing files",
                "body": "",
            },
        ),
        None,
    )
    drain(runtime)
    [merged] = runtime.audit.entries(pr=26, kind="merged")
    decision = next(runtime.audit.entries(pr=26, kind="decision"))
    assert merged.payload["decision_seq"] == decision.seq
    assert merged.payload["merge_commit_sha"] == "a" * 40
    runtime.queue.enqueue(
        _outcome(
            27,
            "f" * 40,
            {
                "merge_commit_sha": "b" * 40,
                "merged_by": "carol",
                "title": 'Revert "Tolerate missing files"',
                "body": "Reverts acme/app#26",
            },
        ),
        None,
    )
    drain(runtime)
    [reverted] = runtime.audit.entries(kind="reverted")
    assert reverted.pr == 26 and reverted.payload["reverted_by_pr"] == 27
    assert reverted.payload["reverted_merge_sha"] == "a" * 40


def _outcome(pr: int, head: str, payload: dict):
    from reviewer.queue import JobRequest
    from tests.conftest import INSTALLATION_ID

    return JobRequest(
        kind=JobKind.outcome,
        installation_id=INSTALLATION_ID,
        repo=REPO,
        pr=pr,
        head_sha=head,
        payload=payload,
    )
