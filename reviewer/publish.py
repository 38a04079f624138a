"""Decision -> check run, review, labels, reviewer requests, one summary comment.

The check run ``reviewer/approval`` is the merge gate: ``success`` only when we approved;
``action_required`` while a human is needed, shadow mode included (never ``neutral``,
which GitHub counts as passing). Inline comments are anchored only to lines that exist on
that side of the patch; the rest are listed in the summary, so a 422 never loses a review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from reviewer.aggregator import Decision
from reviewer.codeowners import owners_of, split_reviewers
from reviewer.context import ReviewContext
from reviewer.diff import parse_patch
from reviewer.github.client import GitHubClient, GitHubError
from reviewer.github.context import CHECK_RUN_NAME
from reviewer.github.snapshot import SUMMARY_MARKER
from reviewer.labels import LABEL_HUMAN, OUR_LABELS
from reviewer.render import HEADLINES, render_markdown
from subagents.base import Finding, SubAgentReport

MAX_SUMMARY = 60_000
log = structlog.get_logger("reviewer.publish")


@dataclass(frozen=True)
class Posted:
    """What earlier reviews of this PR already put on GitHub (publishing is idempotent per
    head): inline findings at this head, an approval of it, and the summary comment
    (``summary_absent``: the PR's comments were all read and none is our summary)."""

    fingerprints: frozenset[str] = field(default_factory=frozenset)
    approved: bool = False
    summary_id: int | None = None
    summary_absent: bool = False


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_check(client: GitHubClient, repo: str, head_sha: str) -> int:
    run = client.create_check_run(
        repo,
        {
            "name": CHECK_RUN_NAME,
            "head_sha": head_sha,
            "status": "in_progress",
            "started_at": _now(),
            "output": {"title": "Reviewing", "summary": "The review panel is working on this."},
        },
    )
    return int(run["id"])


def cancel_check(client: GitHubClient, repo: str, run_id: int, title: str, summary: str) -> None:
    """End a check run as ``cancelled`` (superseded, or orphaned by a dead worker)."""
    client.update_check_run(
        repo,
        run_id,
        {
            "status": "completed",
            "conclusion": "cancelled",
            "completed_at": _now(),
            "output": {"title": title, "summary": summary},
        },
    )


def superseded_title(newer_sha: str | None) -> str:
    return f"Superseded by {newer_sha}" if newer_sha else "Superseded by a newer push"


def fail_check(client: GitHubClient, repo: str, run_id: int, error: str) -> None:
    """A review that could not finish asks for a human; it never passes the gate."""
    client.update_check_run(
        repo,
        run_id,
        {
            "status": "completed",
            "conclusion": "action_required",
            "completed_at": _now(),
            "output": {
                "title": "Review failed: a human review is needed",
                "summary": f"The reviewer could not finish: {error[:2000]}",
            },
        },
    )


def fail_unread(client: GitHubClient, repo: str, head_sha: str, error: str) -> None:
    """The PR could not be read: our check on ``head_sha`` (reused, else opened) asks for a
    human. Our runs are looked up through REST, as the failed read did not list them."""
    ours = client.check_runs(repo, head_sha, name=CHECK_RUN_NAME, own=True)
    run_id = max((int(r["id"]) for r in ours), default=None) or start_check(client, repo, head_sha)
    fail_check(client, repo, run_id, error)


def anchor(ctx: ReviewContext, finding: Finding) -> dict[str, Any] | None:
    """The review comment for ``finding``, or None when its last line is not in the diff.

    GitHub rejects a whole review (422) when one range spans two hunks, so a range is cut
    to the lines it shares with the hunk of its last line (one line when nothing is left).
    """
    changed = ctx.file(finding.path) if finding.path else None
    if changed is None or changed.patch is None or finding.start_line is None:
        return None
    parsed = parse_patch(changed.patch)
    side = finding.side
    end = finding.end_line or finding.start_line
    hunk = parsed.hunk_of(end, side)
    if hunk is None:
        return None
    start = next(
        line for line in range(min(finding.start_line, end), end + 1)
        if parsed.hunk_of(line, side) == hunk
    )  # fmt: skip
    comment: dict[str, Any] = {
        "path": finding.path,
        "line": end,
        "side": side,
        "body": comment_body(finding),
    }
    if start != end:
        comment.update(start_line=start, start_side=side)
    return comment


def comment_body(finding: Finding) -> str:
    rules = f"\n\n_Guidance: {', '.join(finding.rule_ids)}_" if finding.rule_ids else ""
    return (
        f"**{finding.severity.value}** ({finding.subagent}): {finding.title}\n\n"
        f"{finding.body}{rules}\n\n<sub>finding {finding.fingerprint}</sub>"
    )


def _review(
    client: GitHubClient, ctx: ReviewContext, decision: Decision, comments: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, int, str | None]:
    """Post the review: ``(review, inline comments posted, why GitHub refused them)``.

    When GitHub refuses the inline comments (422), the review is posted once more without
    them: every finding is in the summary comment anyway, so nothing is lost.
    """
    assert ctx.pr is not None
    if decision.verdict != "approve" and not comments:
        return None, 0, None
    event = "APPROVE" if decision.verdict == "approve" else "COMMENT"
    headline = HEADLINES[decision.verdict]
    body = {
        "commit_id": ctx.head_sha,
        "event": event,
        "comments": comments,
        "body": headline + (f" ({len(comments)} inline comment(s))" if comments else ""),
    }
    try:
        return client.create_review(ctx.repo, ctx.pr, body), len(comments), None
    except GitHubError as exc:
        if exc.status != 422 or not comments:
            raise
        log.warning("publish.review_rejected", error=str(exc))
        refused = str(exc)
    body = {**body, "comments": [], "body": f"{headline} (findings are in the summary comment)"}
    return client.create_review(ctx.repo, ctx.pr, body), 0, refused


def _our_review_at_head(
    client: GitHubClient, ctx: ReviewContext, bot_login: str | None
) -> dict[str, Any] | None:
    assert ctx.pr is not None
    if bot_login is None:
        return None
    return next(
        (r for r in client.pull_reviews(ctx.repo, ctx.pr)
         if (r.get("user") or {}).get("login") == bot_login and r.get("commit_id") == ctx.head_sha),
        None,
    )  # fmt: skip


def _labels(client: GitHubClient, ctx: ReviewContext, decision: Decision) -> None:
    assert ctx.pr is not None
    stale = [label for label in OUR_LABELS if label in ctx.labels and label not in decision.labels]
    if ctx.human_requested:  # a person asked for a human: their label stays
        stale = [label for label in stale if label != LABEL_HUMAN]
    for label in stale:
        client.remove_label(ctx.repo, ctx.pr, label)
    missing = [label for label in decision.labels if label not in ctx.labels]
    if missing:
        client.add_labels(ctx.repo, ctx.pr, missing)


def _reviewers(client: GitHubClient, ctx: ReviewContext, decision: Decision) -> list[str]:
    """Ask for reviewers; returns those GitHub accepted (only they go in the summary)."""
    assert ctx.pr is not None
    if decision.verdict == "approve":
        return []
    owners = [
        *decision.reviewers_requested,
        *owners_of(ctx.codeowners, [f.path for f in ctx.files]),
    ]
    users, teams = split_reviewers(dict.fromkeys(owners), ctx.author.login)
    if not users and not teams:
        return []
    if _requested(client, ctx.pr, ctx.repo, users, teams):
        return users + [f"team:{t}" for t in teams]
    # GitHub refuses the whole request when one of them cannot review (422: not a
    # collaborator, no team access): ask for each alone, and keep whoever it accepted.
    accepted = [u for u in users if _requested(client, ctx.pr, ctx.repo, [u], [])]
    accepted += [f"team:{t}" for t in teams if _requested(client, ctx.pr, ctx.repo, [], [t])]
    return accepted


def _requested(
    client: GitHubClient, pr: int, repo: str, users: list[str], teams: list[str]
) -> bool:
    try:
        client.request_reviewers(repo, pr, users, teams)
    except GitHubError as exc:
        if exc.status != 422:
            raise
        log.warning("publish.reviewers_rejected", users=len(users), teams=len(teams))
        return False
    return True


def _summary_comment(
    client: GitHubClient,
    ctx: ReviewContext,
    text: str,
    bot_login: str | None,
    posted: Posted,
) -> dict[str, Any]:
    """Edit the summary comment in place (by its remembered id, else found by its marker),
    or post the first one (without listing the PR's comments when none is ours)."""
    assert ctx.pr is not None
    body = f"{SUMMARY_MARKER}\n{text}"[:MAX_SUMMARY]
    if posted.summary_id is not None:
        try:
            return client.edit_comment(ctx.repo, posted.summary_id, body)
        except GitHubError as exc:
            if exc.status not in (404, 410):  # deleted meanwhile: look for another
                raise
    elif posted.summary_absent:
        return client.create_comment(ctx.repo, ctx.pr, body)
    for comment in client.issue_comments(ctx.repo, ctx.pr):
        author = (comment.get("user") or {}).get("login")
        if SUMMARY_MARKER in (comment.get("body") or "") and (
            bot_login is None or author == bot_login
        ):
            return client.edit_comment(ctx.repo, comment["id"], body)
    return client.create_comment(ctx.repo, ctx.pr, body)


def publish(
    client: GitHubClient,
    ctx: ReviewContext,
    decision: Decision,
    reports: list[SubAgentReport],
    run_id: int,
    bot_login: str | None,
    demoted: frozenset[str] = frozenset(),
    retrying: bool = False,
    witness: str = "",
    posted: Posted | None = None,
) -> dict[str, Any]:
    """Write the decision to the PR; the check run is written last, as the gate.

    Returns what was posted (``review``, ``inline`` count, ``summary`` comment) so the
    feedback poller can find our comments. Findings whose every guidance rule is in
    ``demoted`` (low helpful rate, see ``reviewer.feedback``) stay in the summary only.
    ``retrying``: an earlier attempt may have died after posting its review; a review of
    ours on this head is then reused instead of posted twice (one extra read, retries only).
    ``witness``: the audit chain head line the check run shows (``audit_anchor``).
    ``posted``: what earlier reviews put on this PR; a finding already commented at this
    head is not commented again, an approval of this head is not repeated.
    """
    posted = posted or Posted()
    # Findings that cannot be anchored stay in the summary, which lists every finding.
    comments = [
        c
        for f in decision.findings
        if not (f.rule_ids and all(r in demoted for r in f.rule_ids))
        and f.fingerprint not in posted.fingerprints
        and (c := anchor(ctx, f)) is not None
    ]
    earlier = _our_review_at_head(client, ctx, bot_login) if retrying else None
    if earlier is not None:
        review, inline, refused = earlier, len(comments), None
    elif posted.approved and decision.verdict == "approve" and not comments:
        review, inline, refused = None, 0, None  # this head's approval is already there
    else:
        review, inline, refused = _review(client, ctx, decision, comments)
    _labels(client, ctx, decision)
    requested = _reviewers(client, ctx, decision)
    summary = render_markdown(decision, reports, title=f"Head {ctx.head_sha[:12]}")
    if refused:
        summary += (
            f"\nGitHub refused the {len(comments)} inline comment(s), so they are only listed"
            " above.\n"
        )
    if requested:
        summary += f"\nRequested reviewers: {', '.join(requested)}\n"
    comment = _summary_comment(client, ctx, summary, bot_login, posted)
    client.update_check_run(
        ctx.repo,
        run_id,
        {
            "status": "completed",
            "conclusion": decision.check_conclusion,
            "completed_at": _now(),
            "details_url": comment.get("html_url"),
            "output": {
                "title": HEADLINES[decision.verdict],
                "summary": (f"{witness}\n\n" if witness else "") + summary[: MAX_SUMMARY - 200],
            },
        },
    )
    return {"review": review, "inline": inline if review else 0, "summary": comment}
