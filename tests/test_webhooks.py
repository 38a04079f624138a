"""Sans-I/O intake: signature checks, parsing and routing, on GitHub's real example payloads."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.errors import InvalidSignature, WebhookError
from reviewer.events import CheckRunEvent, Event, IssueCommentEvent, PullRequestEvent
from reviewer.queue.base import JobKind, JobRequest
from reviewer.webhooks import Delivery, Ignored, bot_login, parse, route, sign, verify_signature

FIXTURES = Path(__file__).parent / "fixtures" / "github-webhooks"
ALL_PAYLOADS = sorted(p for p in FIXTURES.glob("*/*.json"))
SECRET = b"test-webhook-secret"
BOT = "pr-reviewer[bot]"

# Fixture payloads that must become a review job; every other one must be Ignored.
ROUTED = {
    "pull_request/opened.payload.json",
    "pull_request/opened.with-null-body.json",
    "pull_request/opened.with-organization.payload.json",
    "pull_request/reopened.payload.json",
    "pull_request/reopened.with-organization.payload.json",
    "pull_request/synchronize.payload.json",
    "pull_request/ready_for_review.with-installation.payload.json",
    "pull_request/ready_for_review.with-organization.payload.json",
}
# Fixture payloads of human reviews: they re-evaluate the merge gate.
GATED = {
    "pull_request_review/dismissed.payload.json",
    "pull_request_review/submitted.payload.json",
    "pull_request_review/submitted.with-organization.payload.json",
}
# "Re-run" fixtures: the suite names PR #2 (a review); the run names none (fork-like, a
# rerun job that finds the PR by its head sha).
RERUN = {
    "check_suite/rerequested.payload.json",
    "check_suite/rerequested.with-organization.payload.json",
    "check_run/rerequested.payload.json",
    "check_run/rerequested.with-organization.payload.json",
}
# Fixture payloads of review threads: (un)resolving one is a weak feedback signal.
FEEDBACK = {
    "pull_request_review_thread/resolved.payload.json",
    "pull_request_review_thread/unresolved.payload.json",
}


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return data


def headers(event: str, delivery: str = "d-1") -> dict[str, str]:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery}


def deliver(event: str, data: dict[str, Any], bot: str | None = BOT) -> JobRequest | Ignored:
    return route(parse(headers(event), json.dumps(data).encode()), bot)


def test_fixtures_are_all_here() -> None:
    assert len(ALL_PAYLOADS) == 73
    assert {fixture_id(p) for p in ALL_PAYLOADS} >= ROUTED
    assert (FIXTURES / "LICENSE").is_file()


# --- signatures --------------------------------------------------------------------------


def test_signature_good() -> None:
    body = (FIXTURES / "ping/payload.json").read_bytes()
    header = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body) == header
    verify_signature(SECRET, body, header)
    verify_signature(SECRET, body, header.upper().replace("SHA256=", "sha256="))
    verify_signature(SECRET, body, f"  {header} ")


@pytest.mark.parametrize("header", [None, "", "   "])
def test_signature_missing(header: str | None) -> None:
    with pytest.raises(InvalidSignature, match="missing X-Hub-Signature-256") as err:
        verify_signature(SECRET, b"{}", header)
    assert err.value.status == 401


@pytest.mark.parametrize(
    "header",
    [
        "sha1=" + "0" * 40,
        "sha256=" + "0" * 63,
        "sha256=" + "0" * 65,
        "sha256=" + "g" * 64,
        "0" * 64,
        "sha256 = " + "0" * 64,
    ],
)
def test_signature_malformed(header: str) -> None:
    with pytest.raises(InvalidSignature, match="malformed X-Hub-Signature-256"):
        verify_signature(SECRET, b"{}", header)


def test_signature_wrong_secret_or_tampered_body() -> None:
    body = b'{"zen": "hi"}'
    with pytest.raises(InvalidSignature, match="does not match"):
        verify_signature(SECRET, body, sign(b"another-secret", body))
    with pytest.raises(InvalidSignature, match="does not match") as err:
        verify_signature(SECRET, body + b" ", sign(SECRET, body))
    assert err.value.status == 401


# --- parsing -----------------------------------------------------------------------------


def test_parse_is_case_insensitive_and_typed() -> None:
    body = (FIXTURES / "pull_request/opened.with-null-body.json").read_bytes()
    delivery = parse({"x-github-event": "pull_request", "X-GITHUB-DELIVERY": "abc-123"}, body)
    assert delivery.event == "pull_request"
    assert delivery.delivery_id == "abc-123"
    assert delivery.action == "opened"
    assert isinstance(delivery.payload, PullRequestEvent)
    assert delivery.payload.pull_request.body is None
    assert delivery.payload.pull_request.head.sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


@pytest.mark.parametrize(
    ("event", "model"),
    [
        ("pull_request/opened.payload.json", PullRequestEvent),
        ("issue_comment/created.payload.json", IssueCommentEvent),
        ("check_run/rerequested.payload.json", CheckRunEvent),
        ("push/payload.json", Event),
        ("ping/payload.json", Event),
    ],
)
def test_parse_picks_the_model(event: str, model: type[Event]) -> None:
    delivery = parse(headers(event.split("/")[0]), (FIXTURES / event).read_bytes())
    assert type(delivery.payload) is model


@pytest.mark.parametrize("missing", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_parse_requires_headers(missing: str) -> None:
    hdrs = headers("ping")
    del hdrs[missing]
    with pytest.raises(WebhookError, match=f"missing {missing} header") as err:
        parse(hdrs, b"{}")
    assert err.value.status == 400


@pytest.mark.parametrize("delivery", ["x" * 65, "a b", "id\nInjected: 1"])
def test_parse_rejects_malformed_delivery_id(delivery: str) -> None:
    with pytest.raises(WebhookError, match="malformed X-GitHub-Delivery") as err:
        parse(headers("ping", delivery), b"{}")
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"action": "opened", "pull_re', "malformed JSON body"),
        (b"", "malformed JSON body"),
        (b"\xff\xfe{", "malformed JSON body"),
        (b"[1, 2]", "JSON body must be an object, got list"),
        (b'"text"', "JSON body must be an object, got str"),
        (b"null", "JSON body must be an object, got NoneType"),
    ],
)
def test_parse_rejects_bad_bodies(body: bytes, message: str) -> None:
    with pytest.raises(WebhookError, match=message) as err:
        parse(headers("pull_request"), body)
    assert err.value.status == 400


def test_parse_rejects_a_routed_event_missing_its_object() -> None:
    with pytest.raises(WebhookError, match=r"pull_request payload does not match: pull_request"):
        parse(headers("pull_request"), b'{"action": "opened"}')


def test_truncated_fixture_is_rejected() -> None:
    body = (FIXTURES / "pull_request/synchronize.payload.json").read_bytes()
    with pytest.raises(WebhookError, match="malformed JSON body"):
        parse(headers("pull_request"), body[: len(body) // 2])


# --- routing of every fixture ------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_PAYLOADS, ids=fixture_id)
def test_every_fixture_parses_and_routes(path: Path) -> None:
    raw = json.loads(path.read_bytes())
    delivery = parse(headers(path.parent.name), path.read_bytes())
    routed = route(delivery, BOT)
    if fixture_id(path) in GATED:
        assert isinstance(routed, JobRequest) and routed.kind is JobKind.gate
        assert routed.head_sha == raw["pull_request"]["head"]["sha"]
        assert routed.payload["action"] == raw["action"]
        return
    if fixture_id(path) in FEEDBACK:
        assert isinstance(routed, JobRequest) and routed.kind is JobKind.feedback
        assert routed.payload["thread_comment_id"] == raw["thread"]["comments"][0]["id"]
        assert routed.payload["resolved"] is (raw["action"] == "resolved")
        return
    if fixture_id(path) in RERUN:
        event = raw.get("check_suite") or raw["check_run"]
        assert isinstance(routed, JobRequest) and routed.head_sha == event["head_sha"]
        assert routed.kind is (JobKind.review if event["pull_requests"] else JobKind.rerun)
        return
    if fixture_id(path) not in ROUTED:
        assert isinstance(routed, Ignored), routed
        assert routed.reason
        return
    assert isinstance(routed, JobRequest)
    pr = raw["pull_request"]
    assert routed.kind is JobKind.review
    assert routed.repo == raw["repository"]["full_name"] == "Codertocat/Hello-World"
    assert routed.pr == pr["number"] == 2
    assert routed.head_sha == pr["head"]["sha"]
    assert routed.installation_id == (raw.get("installation") or {}).get("id")
    assert routed.payload == {
        "event": "pull_request",
        "action": raw["action"],
        "sender": "Codertocat",
        "author": "Codertocat",
        "author_type": "User",
        "author_association": "OWNER",
        "base_ref": "master",
        "base_sha": pr["base"]["sha"],  # the review compares base...head before reading
        "head_ref": "changes",
        "head_repo": "Codertocat/Hello-World",
        "draft": False,
    }


def test_ignored_reasons_say_why() -> None:
    assert deliver("ping", load("ping/payload.json")) == Ignored("ping is not an event we act on")
    assert deliver("pull_request", load("pull_request/closed.payload.json")) == Ignored(
        "pull_request.closed does not start a review"
    )
    assert deliver("installation", load("installation/deleted.payload.json")) == Ignored(
        "installation.deleted has no repository"
    )


# --- drafts and edits --------------------------------------------------------------------


def _pr(action: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(load("pull_request/opened.payload.json"))
    data["action"] = action
    data["pull_request"].update(changes)
    return data


@pytest.mark.parametrize("action", ["opened", "reopened", "synchronize", "edited"])
def test_drafts_are_skipped(action: str) -> None:
    data = _pr(action, draft=True)
    data["changes"] = {"title": {"from": "old"}}
    assert deliver("pull_request", data) == Ignored("pull request #2 is a draft")


def test_ready_for_review_starts_a_review() -> None:
    routed = deliver("pull_request", _pr("ready_for_review", draft=False))
    assert isinstance(routed, JobRequest)
    converted = load("pull_request/converted_to_draft.with-installation.payload.json")
    assert isinstance(deliver("pull_request", converted), Ignored)


def test_closed_pull_requests_are_not_reviewed() -> None:
    assert deliver("pull_request", _pr("synchronize", state="closed")) == Ignored(
        "pull request #2 is closed"
    )


@pytest.mark.parametrize(
    ("changes", "routed"),
    [
        ({"title": {"from": "Old title"}}, True),
        ({"body": {"from": None}}, True),
        ({"body": {"from": "old"}, "title": {"from": "old"}}, True),
        ({"base": {"ref": {"from": "main"}, "sha": {"from": "abc"}}}, True),
        ({}, False),
        (None, False),
    ],
)
def test_edited_only_when_title_body_or_base_changed(changes: Any, routed: bool) -> None:
    data = _pr("edited")
    if changes is not None:
        data["changes"] = changes
    result = deliver("pull_request", data)
    if routed:
        assert isinstance(result, JobRequest)
        assert result.payload["action"] == "edited"
    else:
        assert result == Ignored("pull_request.edited changed neither title, body nor base")


# --- who sent it -------------------------------------------------------------------------


def _from(login: str, kind: str = "Bot") -> dict[str, Any]:
    data = _pr("synchronize")
    data["sender"] = {"login": login, "id": 1, "type": kind}
    data["pull_request"]["user"] = {"login": login, "id": 1, "type": kind}
    return data


def test_own_bot_is_dropped() -> None:
    assert deliver("pull_request", _from(BOT)) == Ignored(f"sent by our own bot {BOT}")
    assert isinstance(deliver("pull_request", _from("PR-Reviewer[bot]")), Ignored)


def test_other_bots_are_reviewed() -> None:
    routed = deliver("pull_request", _from("dependabot[bot]"))
    assert isinstance(routed, JobRequest)
    assert routed.payload["author"] == "dependabot[bot]"
    assert routed.payload["author_type"] == "Bot"


def test_without_a_slug_nothing_is_dropped() -> None:
    assert bot_login(None) is None
    assert bot_login("pr-reviewer") == BOT
    assert isinstance(deliver("pull_request", _from(BOT), bot=None), JobRequest)


# --- check runs --------------------------------------------------------------------------


def _rerequested(slug: str | None, prs: list[int]) -> dict[str, Any]:
    data = copy.deepcopy(load("check_run/rerequested.payload.json"))
    data["check_run"]["app"]["slug"] = slug
    data["check_run"]["pull_requests"] = [{"number": n, "id": n} for n in prs]
    return data


def test_check_run_rerequested_reviews_its_head() -> None:
    routed = deliver("check_run", _rerequested("pr-reviewer", [7, 9]))
    assert isinstance(routed, JobRequest)
    assert (routed.kind, routed.repo, routed.pr, routed.head_sha, routed.installation_id) == (
        JobKind.review,
        "github/hello-world",
        7,
        "d6fde92930d4715a2b49857d24b940956b26d2d3",
        1,
    )


def test_rerun_of_a_fork_pr_head_finds_its_pr_by_sha() -> None:
    """GitHub sends a fork PR's check run with ``pull_requests: []``; it is not dropped."""
    routed = deliver("check_run", _rerequested("pr-reviewer", []))
    assert isinstance(routed, JobRequest)
    assert (routed.kind, routed.pr, routed.head_sha) == (
        JobKind.rerun,
        0,
        "d6fde92930d4715a2b49857d24b940956b26d2d3",
    )


def test_rerun_all_checks_reviews_the_suite_head() -> None:
    data = copy.deepcopy(load("check_suite/rerequested.payload.json"))
    data["check_suite"]["app"]["slug"] = "pr-reviewer"
    data["check_suite"]["pull_requests"] = [{"number": 7, "id": 7}]
    routed = deliver("check_suite", data)
    assert isinstance(routed, JobRequest)
    assert (routed.kind, routed.pr, routed.head_sha) == (
        JobKind.review,
        7,
        data["check_suite"]["head_sha"],
    )
    data["check_suite"]["pull_requests"] = []
    assert deliver("check_suite", data).kind is JobKind.rerun  # type: ignore[union-attr]
    data["check_suite"]["app"]["slug"] = "other-ci"
    assert isinstance(deliver("check_suite", data), Ignored)


def test_check_run_of_another_app_is_ignored() -> None:
    assert deliver("check_run", _rerequested("other-ci", [7])) == Ignored(
        "check run belongs to another app (other-ci)"
    )
    assert isinstance(deliver("check_run", _rerequested(None, [7])), JobRequest)


def test_check_run_other_actions_are_ignored() -> None:
    data = _rerequested("pr-reviewer", [7])
    data["action"] = "completed"
    assert isinstance(deliver("check_run", data), Ignored)


# --- comment commands --------------------------------------------------------------------


def _comment(body: str, on_pr: bool = True, action: str = "created") -> dict[str, Any]:
    data = copy.deepcopy(load("issue_comment/created.with-installation.payload.json"))
    data["action"] = action
    data["comment"]["body"] = body
    data["comment"]["author_association"] = "NONE"  # must not matter
    if on_pr:
        data["issue"]["pull_request"] = {"url": "https://api.github.com/repos/x/y/pulls/1"}
    return data


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("/reviewer review", JobKind.command_review),
        ("/reviewer human\nthis touches billing", JobKind.command_human),
        ("  /Reviewer   REVIEW  \r\n", JobKind.command_review),
        ("\n/reviewer human", JobKind.command_human),
    ],
)
def test_comment_commands(body: str, kind: JobKind) -> None:
    data = _comment(body)
    routed = deliver("issue_comment", data)
    assert isinstance(routed, JobRequest)
    assert routed.kind is kind
    assert routed.repo == data["repository"]["full_name"]
    assert routed.pr == data["issue"]["number"]
    assert routed.head_sha == ""
    assert routed.installation_id == 1
    assert routed.payload == {
        "event": "issue_comment",
        "action": "created",
        "commenter": data["comment"]["user"]["login"],
        "comment_id": data["comment"]["id"],
    }


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_comment("please /reviewer review"), "comment carries no /reviewer command"),
        (_comment("/reviewer approve"), "comment carries no /reviewer command"),
        (_comment("/reviewer reviewing"), "comment carries no /reviewer command"),
        (_comment("/reviewer review", on_pr=False), "comment on issue #1, not a pull request"),
        (
            _comment("/reviewer review", action="edited"),
            "issue_comment.edited is not a new comment",
        ),
    ],
)
def test_comments_that_are_not_commands(data: dict[str, Any], reason: str) -> None:
    assert deliver("issue_comment", data) == Ignored(reason)


def test_own_bot_comment_command_is_dropped() -> None:
    data = _comment("/reviewer review")
    data["sender"] = {"login": BOT, "id": 5, "type": "Bot"}
    assert deliver("issue_comment", data) == Ignored(f"sent by our own bot {BOT}")


def test_route_is_pure() -> None:
    delivery = parse(
        headers("pull_request"), (FIXTURES / "pull_request/synchronize.payload.json").read_bytes()
    )
    assert isinstance(delivery, Delivery)
    assert route(delivery, BOT) == route(delivery, BOT)


def test_merged_pr_becomes_an_outcome_job() -> None:
    data = load("pull_request/closed.payload.json")
    data["pull_request"].update(
        merged=True,
        merge_commit_sha="e" * 40,
        merged_by={"login": "octo"},
        merged_at="2026-11-02T10:00:00Z",
    )
    routed = deliver("pull_request", data)
    assert isinstance(routed, JobRequest) and routed.kind is JobKind.outcome
    assert routed.payload["merge_commit_sha"] == "e" * 40
    assert routed.payload["merged_by"] == "octo"
    # The outcome report's clocks and the revert link come from GitHub's own fields.
    assert routed.payload["merged_at"] == "2026-11-02T10:00:00Z"
    assert routed.payload["html_url"] == data["pull_request"]["html_url"]


def test_human_label_is_an_override_other_labels_are_ignored() -> None:
    data = load("pull_request/labeled.payload.json")
    assert isinstance(deliver("pull_request", data), Ignored)
    data["label"]["name"] = "reviewer: human"
    routed = deliver("pull_request", data)
    assert isinstance(routed, JobRequest) and routed.kind is JobKind.command_human
    assert routed.payload["via"] == "label"


def test_explain_command_is_routed() -> None:
    data = load("issue_comment/created.payload.json")
    data["issue"]["pull_request"] = {"url": "https://example.invalid/pulls/1"}
    data["comment"]["body"] = "/reviewer explain"
    routed = deliver("issue_comment", data)
    assert isinstance(routed, JobRequest) and routed.kind is JobKind.command_explain
