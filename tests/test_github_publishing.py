"""Publishing the way GitHub behaves (issue 16), end to end: a signed delivery ->
``reviewer serve`` -> worker -> the fake GitHub, which refuses what GitHub refuses."""

from __future__ import annotations

import json

import httpx
import pytest

from reviewer.audit.log import AuditLog
from reviewer.store.db import open_database
from tests.conftest import FIXTURES, INSTALLATION_ID, REPO, pr_payload, signed
from tests.fakes.models import answer, finding
from tests.test_github_e2e import BODY, completed_check, serving, wait_for

OLD = {"app/calc.py": "".join(f"v{i} = {i}\n" for i in range(1, 41))}
NEW = {"app/calc.py": OLD["app/calc.py"].replace("v3 = 3\n", "v3 = 33\n").replace(
    "v35 = 35\n", "v35 = 350\n"
)}  # fmt: skip
MODEL = "openai:gpt-5-mini"


def logic_says(*findings: dict) -> object:
    """The fake model: the logic specialist reports ``findings``, the others nothing."""

    def respond(call):
        if call.specialist == "logic":
            return answer({"abstain": False, "summary": "Checked.", "findings": list(findings)})
        return answer()

    return respond


@pytest.fixture
def model_env(github_env, fake_models) -> dict[str, str]:
    return {**github_env, **fake_models.env(MODEL)}


def review_pr(fake, base: str, number: int, sqlite_url: str, **pull_kwargs):
    """Open PR ``number`` (two hunks in app/calc.py), deliver it, wait for the decision."""
    pull = fake.add_pull_from_contents(
        REPO, number, old=OLD, new=NEW, title="Tune values", body=BODY, author="alice",
        author_association="MEMBER", **pull_kwargs,
    )  # fmt: skip
    body, headers = signed(pr_payload("opened", pull))
    assert httpx.post(base + "/webhook", content=body, headers=headers).status_code == 202
    wait_for(lambda: completed_check(fake, pull.head_sha), what="check run")
    audit = AuditLog(open_database(sqlite_url))
    wait_for(lambda: list(audit.entries(kind="decision")), what="the audit entry")
    return pull


def test_a_range_across_two_hunks_is_anchored_within_one(
    fake_github, fake_models, model_env, tmp_path, sqlite_url
):
    """GitHub answers 422 to a range spanning two hunks and drops the whole review; the
    range is cut to the hunk of its last line, so the review and its comment land."""
    span = finding("minor", path="app/calc.py", start_line=3, end_line=35, title="Values drift")
    fake_models.openai._respond = logic_says(span)
    with serving(model_env, tmp_path / "serve.log") as base:
        review_pr(fake_github, base, 7, sqlite_url)
    (review,) = fake_github.reviews(REPO, 7)
    assert review["state"] == "COMMENTED"
    comments = fake_github.review_comments(REPO, 7)
    assert [(c["start_line"], c["line"]) for c in comments] == [(32, 35)]
    assert "Values drift" in comments[0]["body"]


def test_a_refused_review_is_posted_again_without_its_inline_comments(
    fake_github, fake_models, model_env, tmp_path, sqlite_url
):
    """Whatever GitHub refuses in the inline comments, the review is not lost: it is posted
    once more without them, and the summary says the findings are listed there."""
    fake_models.openai._respond = logic_says(
        finding("minor", path="app/calc.py", start_line=35, end_line=35, title="Values drift")
    )
    fake_github.fail_next(1, 422, "/pulls/8/reviews", method="POST", message="Unprocessable")
    with serving(model_env, tmp_path / "serve.log") as base:
        review_pr(fake_github, base, 8, sqlite_url)
    (review,) = fake_github.reviews(REPO, 8)
    assert review["state"] == "COMMENTED" and "summary" in review["body"]
    assert fake_github.review_comments(REPO, 8) == []
    (summary,) = fake_github.issue_comments(REPO, 8)
    assert "Values drift" in summary["body"]
    assert "GitHub refused the 1 inline comment(s)" in summary["body"]


def test_only_reviewers_github_accepted_are_named_as_requested(
    fake_github, github_env, tmp_path, sqlite_url
):
    """GitHub refuses a reviewer request naming a non-collaborator (422) as a whole: the
    valid owners are still requested, and the summary names only them."""
    fake_github.add_user("outsider")
    fake_github.set_file(REPO, "main", ".github/CODEOWNERS", "app/ @outsider @bob\n")
    with serving(github_env, tmp_path / "serve.log") as base:
        review_pr(fake_github, base, 9, sqlite_url)
    assert fake_github.requested_reviewers(REPO, 9) == ["bob"]
    (summary,) = fake_github.issue_comments(REPO, 9)
    assert "Requested reviewers: bob\n" in summary["body"]
    assert "outsider" not in summary["body"].split("Requested reviewers:")[1]


def test_a_second_delivery_for_the_same_head_posts_nothing_twice(
    fake_github, fake_models, model_env, tmp_path, sqlite_url
):
    """A redelivery, a re-run or a push without new commits re-reviews the same head: the
    finding already commented there is not posted again, the summary comment is edited in
    place and the one check run is updated, not doubled, even past the first page of the
    head's check runs."""
    fake_models.openai._respond = logic_says(
        finding("minor", path="app/calc.py", start_line=35, end_line=35, title="Values drift")
    )
    with serving(model_env, tmp_path / "serve.log") as base:
        pull = review_pr(fake_github, base, 10, sqlite_url)
        # A busy head: 150 newer runs of other Apps push ours past the first page of 100.
        fake_github.add_foreign_check_runs(REPO, pull.head_sha, 150)
        audit = AuditLog(open_database(sqlite_url))
        for decisions in (2, 3):  # two more deliveries of the same head, one after the other
            body, headers = signed(pr_payload("synchronize", pull))
            assert httpx.post(base + "/webhook", content=body, headers=headers).status_code == 202
            wait_for(
                lambda n=decisions: len(list(audit.entries(kind="decision"))) == n,
                what=f"decision {decisions}",
            )
    assert len(fake_github.reviews(REPO, 10)) == 1
    assert len(fake_github.review_comments(REPO, 10)) == 1
    assert len(fake_github.issue_comments(REPO, 10)) == 1
    (run,) = [r for r in fake_github.check_runs(REPO, pull.head_sha) if "app_id" not in r]
    assert run["status"] == "completed" and run["conclusion"] == "action_required"


def test_rerun_of_a_fork_pr_is_reviewed(fake_github, github_env, tmp_path):
    """A fork PR's check run carries ``pull_requests: []``: "Re-run" used to be ignored.
    The rerun job finds the open PR by its head sha and reviews it."""
    pull = fake_github.add_pull_from_contents(
        REPO, 11, old=OLD, new=NEW, body=BODY, author="mallory", head_repo="mallory/app"
    )
    payload = json.loads((FIXTURES / "check_run" / "rerequested.payload.json").read_text())
    payload["installation"] = {"id": INSTALLATION_ID}
    payload["repository"].update(full_name=REPO, name="app")
    run = payload["check_run"]
    run.update(head_sha=pull.head_sha, pull_requests=[])
    run["app"]["slug"] = fake_github.app_slug
    payload["sender"]["login"] = "mallory"
    with serving(github_env, tmp_path / "serve.log") as base:
        body, headers = signed(payload, event="check_run")
        assert httpx.post(base + "/webhook", content=body, headers=headers).status_code == 202
        check = wait_for(lambda: completed_check(fake_github, pull.head_sha), what="the check")
    assert check["conclusion"] == "action_required"
    assert fake_github.issue_comments(REPO, 11)  # the summary of the review


def test_a_codeowners_file_over_1_mb_is_read_whole(fake_github, github_env, tmp_path, sqlite_url):
    """GitHub's contents API answers a 1-100 MB file with ``encoding: none`` and no content;
    it used to be taken for an empty CODEOWNERS, so its owners were never asked."""
    filler = "".join(f"/vendor/pkg{i}/ @acme/vendoring\n" for i in range(40_000))
    assert len(filler) > 1_000_000
    fake_github.set_file(REPO, "main", ".github/CODEOWNERS", filler + "app/ @bob\n")
    with serving(github_env, tmp_path / "serve.log") as base:
        review_pr(fake_github, base, 12, sqlite_url)
    assert fake_github.requested_reviewers(REPO, 12) == ["bob"]
