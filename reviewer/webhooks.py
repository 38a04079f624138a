"""Webhook intake without I/O: verify the signature, parse into a typed event, route to a job.

Kept free of HTTP and database code (in the style of gidgethub's ``sansio``) so every rule
here is tested with plain function calls, and the app only wires bytes in and a job out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from reviewer.errors import InvalidSignature, WebhookError
from reviewer.events import (
    CheckRunEvent,
    CheckSuiteEvent,
    Event,
    IssueCommentEvent,
    PullRequestEvent,
    PullRequestReviewEvent,
    PullRequestReviewThreadEvent,
    model_for,
)
from reviewer.labels import LABEL_HUMAN
from reviewer.queue.base import JobKind, JobRequest
from reviewer.reverts import revert_markers

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"

_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

REVIEW_ACTIONS = frozenset({"opened", "reopened", "synchronize", "ready_for_review", "edited"})
COMMANDS: dict[str, JobKind] = {
    "/reviewer review": JobKind.command_review,
    "/reviewer human": JobKind.command_human,
    "/reviewer explain": JobKind.command_explain,
}
GATE_ACTIONS = frozenset({"submitted", "dismissed"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """One verified, parsed webhook delivery."""

    delivery_id: str
    event: str
    action: str | None
    payload: Event


@dataclass(frozen=True, slots=True)
class Ignored:
    """A valid delivery that needs no work; ``reason`` is logged and returned to GitHub."""

    reason: str


def bot_login(app_slug: str | None) -> str | None:
    """Our App's login as it appears in ``sender.login`` (``<slug>[bot]``)."""
    return f"{app_slug}[bot]" if app_slug else None


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> None:
    """Raise :class:`InvalidSignature` unless ``header`` is the HMAC-SHA256 of ``body``.

    The comparison is constant-time so the response time leaks nothing about the digest.
    """
    if header is None or not header.strip():
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        raise InvalidSignature(
            f"malformed {SIGNATURE_HEADER} header: expected 'sha256=' and 64 hex digits"
        )
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise InvalidSignature(
            f"{SIGNATURE_HEADER} does not match the body (is REVIEWER_WEBHOOK_SECRET "
            "the App's webhook secret?)"
        )


def parse(headers: Mapping[str, str], body: bytes) -> Delivery:
    """Turn headers and raw body into a :class:`Delivery`; :class:`WebhookError` (400) if not."""
    lowered = {key.lower(): value for key, value in headers.items()}
    event = _required_token(lowered, EVENT_HEADER)
    delivery_id = _required_token(lowered, DELIVERY_HEADER)
    try:
        data = json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise WebhookError(f"malformed JSON body: {exc}") from None
    except RecursionError:
        raise WebhookError("malformed JSON body: nested too deeply") from None
    if not isinstance(data, dict):
        raise WebhookError(f"JSON body must be an object, got {type(data).__name__}")
    try:
        payload = model_for(event).model_validate(data)
    except ValidationError as exc:
        raise WebhookError(f"{event} payload does not match: {_summarise(exc)}") from None
    return Delivery(delivery_id=delivery_id, event=event, action=payload.action, payload=payload)


def _required_token(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name.lower(), "").strip()
    if not value:
        raise WebhookError(f"missing {name} header")
    if not _TOKEN.fullmatch(value):
        raise WebhookError(f"malformed {name} header: expected up to 64 of [A-Za-z0-9_.:-]")
    return value


def _summarise(exc: ValidationError, limit: int = 3) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    parts = [".".join(str(p) for p in err["loc"]) + ": " + err["msg"] for err in errors[:limit]]
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def route(delivery: Delivery, bot_login: str | None) -> JobRequest | Ignored:
    """Decide what a delivery asks of us. Pure: the same delivery always routes the same way."""
    payload = delivery.payload
    sender = payload.sender
    if bot_login and sender is not None and sender.login.lower() == bot_login.lower():
        return Ignored(f"sent by our own bot {sender.login}")
    if payload.repository is None:
        return Ignored(f"{_name(delivery)} has no repository")
    if isinstance(payload, PullRequestEvent):
        return _route_pull_request(delivery, payload)
    if isinstance(payload, CheckRunEvent | CheckSuiteEvent):
        return _route_check_run(delivery, payload, bot_login)
    if isinstance(payload, IssueCommentEvent):
        return _route_comment(delivery, payload)
    if isinstance(payload, PullRequestReviewEvent):
        return _route_review(delivery, payload)
    if isinstance(payload, PullRequestReviewThreadEvent):
        return _route_thread(delivery, payload)
    return Ignored(f"{_name(delivery)} is not an event we act on")


def _name(delivery: Delivery) -> str:
    return f"{delivery.event}.{delivery.action}" if delivery.action else delivery.event


def _job(
    kind: JobKind, delivery: Delivery, event: Event, pr: int, head_sha: str = "", **fields: Any
) -> JobRequest:
    """A job for this delivery; the payload keeps the event and action for the logs."""
    return JobRequest(
        kind=kind,
        installation_id=_installation(event),
        repo=_repo(event),
        pr=pr,
        head_sha=head_sha,
        payload={"event": delivery.event, "action": delivery.action, **fields},
    )


def _route_pull_request(delivery: Delivery, event: PullRequestEvent) -> JobRequest | Ignored:
    pr = event.pull_request
    if delivery.action == "closed" and pr.merged:
        return _route_merge(delivery, event)
    if delivery.action == "labeled" and event.label and event.label.name == LABEL_HUMAN:
        sender = event.sender.login if event.sender else None
        return _job(
            JobKind.command_human, delivery, event, pr.number, via="label", commenter=sender
        )
    if delivery.action not in REVIEW_ACTIONS:
        return Ignored(f"{_name(delivery)} does not start a review")
    if pr.state != "open":
        return Ignored(f"pull request #{pr.number} is {pr.state}")
    if pr.draft:
        return Ignored(f"pull request #{pr.number} is a draft")
    if delivery.action == "edited":
        changes = event.changes
        if changes is None or (
            changes.title is None and changes.body is None and changes.base is None
        ):
            return Ignored("pull_request.edited changed neither title, body nor base")
    author = pr.user
    return _job(
        JobKind.review,
        delivery,
        event,
        pr.number,
        pr.head.sha,
        sender=event.sender.login if event.sender else None,
        author=author.login if author else None,
        author_type=author.type if author else None,
        author_association=pr.author_association,
        base_ref=pr.base.ref,
        base_sha=pr.base.sha,
        head_ref=pr.head.ref,
        head_repo=pr.head.repo.full_name if pr.head.repo else None,
        draft=pr.draft,
    )


def _route_merge(delivery: Delivery, event: PullRequestEvent) -> JobRequest:
    """A merged PR: its outcome (and any revert it performs) goes to the audit log."""
    pr = event.pull_request
    return _job(
        JobKind.outcome,
        delivery,
        event,
        pr.number,
        pr.head.sha,
        merge_commit_sha=pr.merge_commit_sha,
        merged_by=pr.merged_by.login if pr.merged_by else None,
        merged_at=pr.merged_at,
        html_url=pr.html_url,
        reverts=revert_markers(pr.title, pr.body),
    )


def _route_review(delivery: Delivery, event: PullRequestReviewEvent) -> JobRequest | Ignored:
    """A human review can satisfy (or withdraw) the human approval the gate asked for."""
    if delivery.action not in GATE_ACTIONS:
        return Ignored(f"{_name(delivery)} does not change the merge gate")
    pr = event.pull_request
    if pr.state != "open":
        return Ignored(f"pull request #{pr.number} is {pr.state}")
    return _job(
        JobKind.gate,
        delivery,
        event,
        pr.number,
        pr.head.sha,
        reviewer=event.review.user.login if event.review.user else None,
        state=event.review.state,
    )


def _route_check_run(
    delivery: Delivery, event: CheckRunEvent | CheckSuiteEvent, bot_login: str | None
) -> JobRequest | Ignored:
    """ "Re-run" (one check) and "Re-run all checks" (the suite) review the head again. A
    fork's PR is not listed in the event (GitHub leaves ``pull_requests`` empty there): the
    job then finds the open PR by its head sha."""
    if delivery.action != "rerequested":
        return Ignored(f"{_name(delivery)} does not start a review")
    run = event.check_run if isinstance(event, CheckRunEvent) else event.check_suite
    slug = run.app.slug if run.app else None
    if bot_login and slug and f"{slug}[bot]".lower() != bot_login.lower():
        return Ignored(f"check run belongs to another app ({slug})")
    sender = event.sender.login if event.sender else None
    if not run.pull_requests:
        return _job(JobKind.rerun, delivery, event, 0, run.head_sha, sender=sender)
    return _job(
        JobKind.review, delivery, event, run.pull_requests[0].number, run.head_sha, sender=sender
    )


def _route_comment(delivery: Delivery, event: IssueCommentEvent) -> JobRequest | Ignored:
    if delivery.action != "created":
        return Ignored(f"{_name(delivery)} is not a new comment")
    if event.issue.pull_request is None:
        return Ignored(f"comment on issue #{event.issue.number}, not a pull request")
    kind = command_in(event.comment.body)
    commenter = event.comment.user or event.sender
    dismissed = dismiss_command(event.comment.body)
    if kind is None and dismissed is not None:
        return _comment_job(JobKind.command_dismiss, event, {"finding_id": dismissed})
    feedback = feedback_command(event.comment.body)
    if kind is None and feedback is not None:
        return _comment_job(JobKind.feedback, event, {**feedback, "signal": "command"})
    if kind is None:
        return Ignored("comment carries no /reviewer command")
    # Who may command us is decided by the worker through the permissions API:
    # author_association is not an access check.
    return _job(
        kind,
        delivery,
        event,
        event.issue.number,
        commenter=commenter.login if commenter else None,
        comment_id=event.comment.id,
    )


def _comment_job(kind: JobKind, event: IssueCommentEvent, fields: dict[str, Any]) -> JobRequest:
    """A job for one command comment: keyed by the comment, so none is superseded."""
    commenter = event.comment.user or event.sender
    return JobRequest(
        kind=kind,
        installation_id=_installation(event),
        repo=_repo(event),
        pr=event.issue.number,
        head_sha=f"comment:{event.comment.id}",
        payload={
            **fields,
            "commenter": commenter.login if commenter else None,
            "comment_id": event.comment.id,
        },
    )


_FEEDBACK = re.compile(
    r"/reviewer\s+feedback(?:\s+(?P<id>\S+))?(?:\s+(?P<rating>\S+))?(?:\s+(?P<reason>.*))?",
    re.IGNORECASE,
)


def feedback_command(body: str) -> dict[str, str | None] | None:
    """``/reviewer feedback <finding-id> helpful|unhelpful "reason"`` on the first line:
    its parts, or ``{"error": ...}`` when malformed; None when it is not this command."""
    first_line = body.lstrip().split("\n", 1)[0].strip()
    match = _FEEDBACK.fullmatch(first_line)
    if match is None:
        return None
    rating = (match.group("rating") or "").lower()
    if not match.group("id") or rating not in ("helpful", "unhelpful"):
        return {"error": 'usage: /reviewer feedback <finding-id> helpful|unhelpful "reason"'}
    reason = (match.group("reason") or "").strip()
    if len(reason) >= 2 and reason[0] == reason[-1] and reason[0] in "\"'":
        reason = reason[1:-1].strip()
    return {"finding_id": match.group("id"), "rating": rating, "reason": reason[:1000] or None}


_DISMISS = re.compile(r"/reviewer\s+dismiss\s+([0-9a-fA-F]{4,64})\s*", re.IGNORECASE)


def dismiss_command(body: str) -> str | None:
    """The finding id of ``/reviewer dismiss <finding-id>`` on the first line, if any."""
    first_line = body.lstrip().split("\n", 1)[0].strip()
    match = _DISMISS.fullmatch(first_line)
    return match.group(1).lower() if match else None


def _route_thread(delivery: Delivery, event: PullRequestReviewThreadEvent) -> JobRequest | Ignored:
    """A resolved (or unresolved) thread: a weak signal on the comment that started it."""
    if delivery.action not in ("resolved", "unresolved") or not event.thread.comments:
        return Ignored(f"{_name(delivery)} carries no feedback")
    root = event.thread.comments[0]
    return JobRequest(
        kind=JobKind.feedback,
        installation_id=_installation(event),
        repo=_repo(event),
        pr=event.pull_request.number,
        # One job per delivery; the digest keeps the key within the 64-character column.
        head_sha=f"thread:{root.id}:{hashlib.sha256(delivery.delivery_id.encode()).hexdigest()[:16]}",
        payload={
            "signal": "resolved",
            "resolved": delivery.action == "resolved",
            "thread_comment_id": root.id,
            "by": event.sender.login if event.sender else None,
        },
    )


def command_in(body: str) -> JobKind | None:
    """The command on a comment's first line (whitespace and case normalised), if any."""
    first_line = body.lstrip().split("\n", 1)[0]
    return COMMANDS.get(" ".join(first_line.split()).lower())


def _repo(event: Event) -> str:
    assert event.repository is not None  # checked by route()
    return event.repository.full_name


def _installation(event: Event) -> int | None:
    return event.installation.id if event.installation else None
