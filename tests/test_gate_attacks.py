"""The merge gate attacked as a PR author, a co-pusher or a writer would, through the real
interfaces: signed webhooks -> ``reviewer serve`` -> queue -> worker -> fake GitHub.

Each test is one way around ``reviewer/approval`` that worked before (issue 14) and must
not work now: the newest check run on the head commit is what branch protection reads.
"""

from __future__ import annotations

import copy
import json
import re

import httpx
import pytest

from reviewer.audit.log import AuditLog
from reviewer.store.db import open_database
from tests.conftest import FIXTURES, INSTALLATION_ID, REPO, pr_payload, reviewer_env, signed
from tests.fakes.models import CLEAN, FakeModels, ScriptedModel, answer, finding
from tests.test_github_e2e import BODY, serving, wait_for

OLD = {"app/service.py": "def load(path):\n    return open(path).read()\n", "README.md": "# App\n"}
NEW = {
    "app/service.py": "def load(path):\n    with open(path) as f:\n        return f.read()\n",
    "README.md": "# App\n",
}
AUTO_APPROVE = "version: 1\nauto_approve: true\n"


@pytest.fixture(scope="module")
def serve_process(github_slot, model_slots, app_keys, tmp_path_factory):
    """One ``reviewer serve`` for the module (starting one takes seconds): each test's
    fresh fake GitHub and scripted model answer at the same loopback addresses."""
    (_, origin), ((_, anthropic_url), (_, openai_url)) = github_slot, model_slots
    folder = tmp_path_factory.mktemp("gate-attacks")
    database = f"sqlite:///{folder / 'reviewer.db'}"
    models = FakeModels(ScriptedModel(), ScriptedModel(), anthropic_url, openai_url)
    env = {
        **reviewer_env(origin + "/api/v3", app_keys[0], database),
        **models.env("openai:gpt-5-mini"),
    }
    with serving(env, folder / "serve.log") as base:
        yield base, database


@pytest.fixture
def server(serve_process, fake_github, fake_models) -> str:
    return serve_process[0]


@pytest.fixture
def audit(serve_process) -> AuditLog:
    return AuditLog(open_database(serve_process[1]))


def make_pull(fake, number: int, **kwargs):
    kwargs.setdefault("author", "alice")
    kwargs.setdefault("author_association", "MEMBER")
    kwargs.setdefault("title", "Close the file load opens")
    return fake.add_pull_from_contents(
        REPO, number, old=kwargs.pop("old", OLD), new=kwargs.pop("new", NEW), body=BODY, **kwargs
    )


def deliver(base: str, payload: dict, event: str = "pull_request") -> None:
    body, headers = signed(payload, event)
    answer = httpx.post(base + "/webhook", content=body, headers=headers)
    assert answer.status_code == 202, answer.text


def runs(fake, sha: str) -> list[dict]:
    return [r for r in fake.check_runs(REPO, sha) if r["name"] == "reviewer/approval"]


def settled(fake, sha: str, count: int) -> list[str]:
    """Wait until ``count`` completed gate runs exist on ``sha``; their conclusions."""
    done = wait_for(
        lambda: (
            (found := [r for r in runs(fake, sha) if r["status"] == "completed"])
            and len(found) >= count
            and found
        ),
        what=f"{count} completed check run(s)",
    )
    return [r["conclusion"] for r in done]


def opened(fake, base: str, pull, count: int = 1) -> str:
    deliver(base, pr_payload("opened", pull))
    return settled(fake, pull.head_sha, count)[-1]


def review_event(fake, pull, review: dict, action: str = "submitted") -> dict:
    payload = json.loads((FIXTURES / "pull_request_review" / "submitted.payload.json").read_text())
    payload["action"] = action
    payload["installation"] = {"id": INSTALLATION_ID}
    payload["repository"]["full_name"] = REPO
    payload["pull_request"] = copy.deepcopy(pr_payload("opened", pull)["pull_request"])
    payload["review"].update(
        id=review["id"],
        state=review["state"].lower(),
        commit_id=review["commit_id"],
        user={"login": review["user"], "id": 1, "type": "User"},
    )
    payload["sender"]["login"] = review["user"]
    return payload


def human_review(fake, base, pull, user: str, state: str = "APPROVED") -> list[str]:
    """``user`` reviews the head; returns the gate's conclusions once it re-evaluated."""
    before = len(fake.calls("GET", f"/pulls/{pull.number}/reviews"))
    review = fake.add_review(REPO, pull.number, user=user, state=state)
    deliver(base, review_event(fake, fake.pull(REPO, pull.number), review), "pull_request_review")
    wait_for(
        lambda: len(fake.calls("GET", f"/pulls/{pull.number}/reviews")) > before,
        what="the gate job",
    )
    return gate_after(fake, pull)


def gate_after(fake, pull) -> list[str]:
    """Conclusions on the head once the queue is idle (the gate may add no run)."""
    wait_for(lambda: _idle(fake), what="an idle worker")
    return [r["conclusion"] for r in runs(fake, fake.pull(REPO, pull.number).head_sha)]


def comment_event(number: int, body: str, user: str) -> dict:
    comment = json.loads((FIXTURES / "issue_comment" / "created.payload.json").read_text())
    comment["installation"] = {"id": INSTALLATION_ID}
    comment["repository"]["full_name"] = REPO
    comment["issue"].update(number=number, pull_request={"url": "x"})
    comment["comment"].update(id=number * 1000 + len(body), body=body)
    comment["comment"]["user"] = {"login": user, "id": 2, "type": "User"}
    return comment


def recorded(audit: AuditLog, pr: int, count: int = 1) -> list:
    """The PR's decisions, once one is recorded (after its check run is published)."""
    return wait_for(
        lambda: len(found := list(audit.entries(pr=pr, kind="decision"))) >= count and found,
        what=f"{count} decision(s)",
    )


def _idle(fake) -> bool:
    import time

    count = len(fake.requests)
    time.sleep(0.4)
    return len(fake.requests) == count


# -- 3: people who wrote the change cannot approve it -----------------------------------


def test_co_authors_committers_and_pushers_cannot_approve(fake_github, server):
    for login in ("carol", "dave", "erin"):
        fake_github.add_collaborator(REPO, login, "write")
    pull = make_pull(fake_github, 31)
    assert opened(fake_github, server, pull) == "action_required"  # shadow mode
    # bob writes a commit; carol commits one alice wrote; dave pushes alice's commit.
    fake_github.push(REPO, 31, {"README.md": "# App\n\nB.\n"}, author="bob")
    fake_github.push(REPO, 31, {"README.md": "# App\n\nC.\n"}, author="alice", committer="carol")
    head = fake_github.push(REPO, 31, {"README.md": "# App\n\nD.\n"}, author="alice")
    deliver(server, pr_payload("synchronize", fake_github.pull(REPO, 31), sender="dave"))
    assert settled(fake_github, head, 1) == ["action_required"]
    for who in ("bob", "carol", "dave"):
        assert human_review(fake_github, server, pull, who)[-1] == "action_required", who
    assert human_review(fake_github, server, pull, "erin")[-1] == "success"


# -- 4: CODEOWNERS where GitHub looks, from the base branch, per path --------------------


def test_root_codeowners_is_honoured(fake_github, server):
    fake_github.set_file(REPO, "main", "CODEOWNERS", "app/ @carol\n")
    fake_github.add_collaborator(REPO, "carol", "write")
    pull = make_pull(fake_github, 41)
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "bob")[-1] == "action_required"
    assert "carol" in fake_github.requested_reviewers(REPO, 41)
    assert human_review(fake_github, server, pull, "carol")[-1] == "success"


def test_every_owned_path_needs_its_own_owner(fake_github, server):
    fake_github.set_file(REPO, "main", ".github/CODEOWNERS", "app/ @carol\nREADME.md @dave\n")
    for login in ("carol", "dave"):
        fake_github.add_collaborator(REPO, login, "write")
    new = {**NEW, "README.md": "# App\n\nCloses files.\n"}
    pull = make_pull(fake_github, 42, new=new)
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "carol")[-1] == "action_required"
    assert human_review(fake_github, server, pull, "dave")[-1] == "success"


def test_renaming_a_file_out_of_an_owned_path_needs_its_owner(fake_github, server):
    fake_github.set_file(REPO, "main", "docs/CODEOWNERS", "secure/ @carol\n")
    fake_github.add_collaborator(REPO, "carol", "write")
    content = "KEY_ROTATION_DAYS = 90\n"
    fake_github.set_file(REPO, "main", "secure/keys.py", content)
    pull = fake_github.add_pull(
        REPO,
        43,
        title="Move key settings next to the app",
        body=BODY,
        author="alice",
        author_association="MEMBER",
        files=[
            {
                "filename": "app/keys.py",
                "previous_filename": "secure/keys.py",
                "status": "renamed",
                "patch": None,
                "additions": 0,
                "deletions": 0,
                "content": content,
            }
        ],
    )
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "bob")[-1] == "action_required"
    assert human_review(fake_github, server, pull, "carol")[-1] == "success"


def test_codeowners_comes_from_the_base_branch(fake_github, server):
    fake_github.set_file(REPO, "release", ".github/CODEOWNERS", "* @carol\n")
    fake_github.add_collaborator(REPO, "carol", "write")
    pull = make_pull(fake_github, 44, base_ref="release")
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "bob")[-1] == "action_required"
    assert human_review(fake_github, server, pull, "carol")[-1] == "success"


def test_team_owners_are_resolved_with_the_members_permission(fake_github, server):
    fake_github.set_file(REPO, "main", ".github/CODEOWNERS", "app/ @acme/security\n")
    fake_github.add_team("acme", "security", ["carol"])
    fake_github.add_collaborator(REPO, "carol", "write")
    pull = make_pull(fake_github, 45)
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "bob")[-1] == "action_required"
    assert human_review(fake_github, server, pull, "carol")[-1] == "success"


def test_without_members_permission_any_qualified_writer_counts_for_a_team(fake_github, server):
    permissions = {"metadata": "read", "contents": "read", "pull_requests": "write",
                   "issues": "write", "checks": "write", "statuses": "read"}  # fmt: skip
    fake_github.add_installation(INSTALLATION_ID, "acme", permissions=permissions)
    fake_github.set_file(REPO, "main", ".github/CODEOWNERS", "app/ @acme/security\n")
    fake_github.add_team("acme", "security", ["carol"])
    pull = make_pull(fake_github, 46)
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "bob")[-1] == "success"


# -- 5: a change request undoes any approval; a dismissed review counts for nothing -------


def test_changes_requested_beats_another_humans_approval(fake_github, server):
    fake_github.add_collaborator(REPO, "carol", "write")
    pull = make_pull(fake_github, 51)
    opened(fake_github, server, pull)
    assert human_review(fake_github, server, pull, "bob")[-1] == "success"
    assert human_review(fake_github, server, pull, "carol", "CHANGES_REQUESTED")[-1] == (
        "action_required"
    )
    [blocking] = [r for r in fake_github.reviews(REPO, 51) if r["user"] == "carol"]
    fake_github.dismiss_review(REPO, blocking["id"])
    dismissed = review_event(fake_github, pull, blocking, "dismissed")
    deliver(server, dismissed, "pull_request_review")
    wait_for(lambda: gate_after(fake_github, pull)[-1] == "success", what="gate back to success")
    [approval] = [r for r in fake_github.reviews(REPO, 51) if r["user"] == "bob"]
    fake_github.dismiss_review(REPO, approval["id"])
    deliver(server, review_event(fake_github, pull, approval, "dismissed"),
            "pull_request_review")  # fmt: skip
    wait_for(
        lambda: gate_after(fake_github, pull)[-1] == "action_required",
        what="a dismissed approval to stop counting",
    )


def test_changes_requested_undoes_the_reviewers_own_approval(fake_github, server, audit):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    pull = make_pull(fake_github, 52)
    assert opened(fake_github, server, pull) == "success"
    assert human_review(fake_github, server, pull, "bob", "CHANGES_REQUESTED")[-1] == (
        "action_required"
    )
    # Asking for a fresh review of the same head cannot roll the dice past the request.
    deliver(server, comment_event(52, "/reviewer review", "alice"), "issue_comment")
    recorded(audit, 52, 2)
    assert gate_after(fake_github, pull)[-1] == "action_required"
    last = list(audit.entries(pr=52, kind="decision"))[-1]
    assert "review.changes_requested" in [r["code"] for r in last.payload["reasons"]]


# -- 1: the diff that was judged is the diff that merges ---------------------------------


def test_a_pr_into_another_branch_is_not_approved(fake_github, server, audit):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    fake_github.set_file(REPO, "evil", "notes.txt", "anything\n")
    pull = make_pull(fake_github, 11, base_ref="evil")
    assert opened(fake_github, server, pull) == "action_required"
    [decision] = recorded(audit, 11)
    assert "base.not_allowed" in [r["code"] for r in decision.payload["reasons"]]


def test_approve_into_names_other_bases(fake_github, server):
    policy = AUTO_APPROVE + "approve_into: ['release/*']\n"
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", policy)
    fake_github.set_file(REPO, "release/2.1", "notes.txt", "anything\n")
    pull = make_pull(fake_github, 12, base_ref="release/2.1")
    assert opened(fake_github, server, pull) == "success"


def test_retargeting_an_approved_pr_is_reviewed_again(fake_github, server, audit):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    pull = make_pull(fake_github, 13)
    assert opened(fake_github, server, pull) == "success"
    fake_github.set_file(REPO, "evil", "notes.txt", "anything\n")
    fake_github.retarget(REPO, 13, "evil")
    edited = pr_payload("edited", fake_github.pull(REPO, 13))
    edited["changes"] = {"base": {"ref": {"from": "main"}, "sha": {"from": pull.base_sha}}}
    deliver(server, edited)
    [_, again] = recorded(audit, 13, 2)
    assert "base.not_allowed" in [r["code"] for r in again.payload["reasons"]]
    assert gate_after(fake_github, pull)[-1] == "action_required"


def test_a_head_shared_with_a_pr_that_needs_a_human_stays_action_required(
    fake_github, server, audit
):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    held = make_pull(fake_github, 14)
    twin = fake_github.add_pull(
        REPO, 15, title=held.title, body=BODY, author="alice", author_association="MEMBER",
        head_sha=held.head_sha, files=[dict(f) for f in held.files],
    )  # fmt: skip
    labeled = pr_payload("labeled", twin, sender="bob")
    labeled["label"] = {"name": "reviewer: human"}
    deliver(server, labeled)  # someone asked for a human on #15
    assert settled(fake_github, held.head_sha, 1) == ["action_required"]
    deliver(server, pr_payload("opened", held))  # the same commit, approved via #14?
    [decision] = recorded(audit, 14)
    assert gate_after(fake_github, held)[-1] == "action_required"
    assert "head.shared" in [r["code"] for r in decision.payload["reasons"]]
    # A qualified human approves #15: both PRs may now merge the commit.
    assert human_review(fake_github, server, twin, "bob")[-1] == "success"


# -- 12: GitHub witnesses the audit chain; a shutdown anchors its tail -------------------


def test_check_runs_witness_the_chain_and_shutdown_signs_its_head(
    fake_github, github_env, tmp_path
):
    from tests.test_audit_anchor import PRIVATE, cli, rewrite_chain

    env = {**github_env, "REVIEWER_AUDIT_SIGNING_KEY": PRIVATE}
    with serving(env, tmp_path / "serve.log") as base:
        first, second = make_pull(fake_github, 121), make_pull(fake_github, 122)
        opened(fake_github, base, first)
        opened(fake_github, base, second)
        database = github_env["REVIEWER_DATABASE_URL"]
        log = AuditLog(open_database(database))
        recorded(log, 122)
    head_seq, head_hash = log.head()
    [checkpoint] = log.checkpoints()  # written on shutdown, signed
    assert (checkpoint["seq"], checkpoint["hash"]) == (head_seq, head_hash)
    assert checkpoint["signature"]
    summaries = [runs(fake_github, p.head_sha)[-1]["output"]["summary"] for p in (first, second)]
    witness = tmp_path / "witness.txt"
    pairs = [line for text in summaries for line in text.splitlines() if "chain head" in line]
    seen = int(pairs[1].split()[4].rstrip(","))  # the head the second decision followed
    assert pairs[1] == f"Audit chain head: seq {seen}, sha256 {log.get(seen).hash}"
    witness.write_text("\n".join(pairs))  # what a collector copies from the check runs
    assert cli(database, "verify", "--witness", str(witness)).returncode == 0
    rewrite_chain(log.engine, 1, {"verdict": "approve"})  # the insider's rewrite
    done = cli(database, "verify", "--witness", str(witness))
    assert done.returncode == 1 and f"seq {seen}: witness_mismatch" in done.stdout


# -- 10: asking again cannot make a major finding go away --------------------------------


def model_finds_a_leak(fake_models) -> dict:
    """The scripted model: the logic specialist reports a major problem on the new lines
    while ``state["find"]`` is true; every other answer is clean."""
    state = {"find": True}
    leak = finding("major", path="app/service.py", start_line=2, end_line=3,
                   title="The handle leaks when read() raises")  # fmt: skip

    def respond(call):
        if call.specialist == "logic" and state["find"]:
            return answer({**CLEAN, "findings": [leak]})
        return answer()

    fake_models.openai._respond = respond
    return state


def test_a_held_finding_survives_re_reviews_until_a_writer_dismisses_it(
    fake_github, fake_models, server, audit
):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    state = model_finds_a_leak(fake_models)
    pull = make_pull(fake_github, 101)
    assert opened(fake_github, server, pull) == "action_required"
    [comment] = fake_github.review_comments(REPO, 101)
    fingerprint = re.search(r"finding ([0-9a-f]{16})", comment["body"]).group(1)
    recorded(audit, 101)
    state["find"] = False  # the model misses it this time
    deliver(server, comment_event(101, "/reviewer review", "alice"), "issue_comment")
    second = recorded(audit, 101, 2)[-1]
    assert gate_after(fake_github, pull)[-1] == "action_required"
    assert "finding.held" in [r["code"] for r in second.payload["reasons"]]
    dismiss = f"/reviewer dismiss {fingerprint[:12]}"
    deliver(server, comment_event(101, dismiss, "mallory"), "issue_comment")  # read access
    deliver(server, comment_event(101, dismiss + " ", "bob"), "issue_comment")
    recorded(audit, 101, 3)
    assert gate_after(fake_github, pull)[-1] == "success"
    [override] = [
        e for e in audit.entries(pr=101, kind="override") if e.payload["action"] != "rereview"
    ]
    assert override.payload == {"action": "finding_dismissed", "by": "bob",
                                "finding": fingerprint}  # fmt: skip


def test_a_held_finding_goes_when_its_lines_change(fake_github, fake_models, server, audit):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    state = model_finds_a_leak(fake_models)
    pull = make_pull(fake_github, 102)
    assert opened(fake_github, server, pull) == "action_required"
    state["find"] = False
    other = fake_github.push(REPO, 102, {"README.md": "# App\n\nCloses files.\n"})
    deliver(server, pr_payload("synchronize", fake_github.pull(REPO, 102)))
    assert settled(fake_github, other, 1)[-1] == "action_required"  # lines untouched: held
    rewritten = (
        "def load(path):\n    with open(path, 'rb') as f:\n        return f.read().decode()\n"
    )
    fixed = fake_github.push(REPO, 102, {"app/service.py": rewritten})
    deliver(server, pr_payload("synchronize", fake_github.pull(REPO, 102)))
    assert settled(fake_github, fixed, 1)[-1] == "success"


# -- 7: what the reviewer could not read in full, it does not approve ---------------------


def test_a_graphql_error_in_the_context_ends_in_human_review(fake_github, server):
    """GitHub answers the context query with ``errors`` and partial data (here the
    installation may not read commit statuses): the check asks for a human."""
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    del fake_github.installation(INSTALLATION_ID).permissions["statuses"]
    pull = make_pull(fake_github, 71)
    assert opened(fake_github, server, pull) == "action_required"
    run = runs(fake_github, pull.head_sha)[0]
    assert run["output"]["title"] == "Review failed: a human review is needed"
    assert "Resource not accessible by integration" in run["output"]["summary"]
    assert not [r for r in fake_github.reviews(REPO, 71) if r["state"] == "APPROVED"]


def test_a_null_where_the_gate_needs_an_answer_ends_in_human_review(fake_github, server):
    """The base branch is gone when the PR is read (``baseRef: null``): its CODEOWNERS
    cannot be read, so the PR is not approved."""
    policy = AUTO_APPROVE + "approve_into: ['release/*']\n"
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", policy)
    fake_github.set_file(REPO, "release/3.0", "notes.txt", "anything\n")
    pull = make_pull(fake_github, 72, base_ref="release/3.0")
    del fake_github.repo(REPO).branches["release/3.0"]
    assert opened(fake_github, server, pull) == "action_required"
    assert "base branch" in runs(fake_github, pull.head_sha)[0]["output"]["summary"]


def test_a_change_request_past_the_first_hundred_reviews_blocks(fake_github, server, audit):
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", AUTO_APPROVE)
    fake_github.add_collaborator(REPO, "carol", "write")
    pull = make_pull(fake_github, 73)
    for _ in range(100):
        fake_github.add_review(REPO, 73, user="bob", state="COMMENTED")
    fake_github.add_review(REPO, 73, user="carol", state="CHANGES_REQUESTED")
    assert opened(fake_github, server, pull) == "action_required"
    [decision] = recorded(audit, 73)
    assert "review.changes_requested" in [r["code"] for r in decision.payload["reasons"]]


def test_a_label_past_the_first_hundred_still_requires_a_human(fake_github, server):
    policy = AUTO_APPROVE + "require_human_for:\n  labels: [security]\n"
    fake_github.set_file(REPO, "main", ".github/reviewer.yml", policy)
    pull = make_pull(fake_github, 74, labels=[f"area-{i}" for i in range(100)] + ["security"])
    assert opened(fake_github, server, pull) == "action_required"


def test_every_check_run_of_a_busy_head_is_read(fake_github, server, audit):
    """Past 100 check runs the head's runs are read through REST, all pages: the audit
    lists every other check, and a re-review still finds (and reuses) our own run."""
    pull = make_pull(fake_github, 75)
    fake_github.add_foreign_check_runs(REPO, pull.head_sha, 120)
    opened(fake_github, server, pull)
    [decision] = recorded(audit, 75)
    assert len(decision.payload["checks"]["check_runs"]) == 120
    deliver(server, comment_event(75, "/reviewer review", "alice"), "issue_comment")
    recorded(audit, 75, 2)
    assert len(runs(fake_github, pull.head_sha)) == 1
