"""A PR's life in the audit log around its decisions: ``opened`` (with who wrote it),
human ``review``s, ``merged`` and ``reverted`` (linked to the decision that let the PR
through and to the reverting PR). Pure database work: the callers bring GitHub's data.
These entries are what ``reviewer report outcomes`` computes its figures from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reviewer.audit.log import AuditEntry, AuditLog
from reviewer.authorship import author_type
from reviewer.reverts import REVERTS_COMMIT, REVERTS_PR


def last_decision(
    audit: AuditLog, repo: str, pr: int, head_sha: str | None = None
) -> AuditEntry | None:
    """The newest decision for the PR (at ``head_sha`` when given)."""
    found = None
    for entry in audit.entries(repo=repo, pr=pr, kind="decision"):
        if head_sha is None or entry.head_sha == head_sha:
            found = entry
    return found


def record_opened(
    audit: AuditLog,
    repo: str,
    pr: int,
    *,
    head_sha: str,
    created_at: str | None,
    author: str,
    signals: list[str],
    installation_id: int | None = None,
    at: datetime | None = None,
) -> AuditEntry | None:
    """Append ``opened`` the first time the reviewer sees a PR; None when already recorded.

    ``created_at`` is GitHub's (the clock the time-to-approval figures start from);
    ``signals`` are :func:`reviewer.authorship.author_signals` at this head.
    """
    if next(audit.entries(repo=repo, pr=pr, kind="opened", limit=1), None) is not None:
        return None
    return audit.append(
        "opened",
        repo,
        {
            "created_at": created_at,
            "author": author,
            "author_type": author_type(signals),
            "author_signals": signals,
        },
        pr=pr,
        head_sha=head_sha,
        installation_id=installation_id,
        at=at,
    )


HUMAN_REVIEW_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


def record_reviews(
    audit: AuditLog,
    repo: str,
    pr: int,
    head_sha: str,
    reviews: list[dict[str, Any]],
    installation_id: int | None = None,
    at: datetime | None = None,
) -> list[AuditEntry]:
    """Append a ``review`` entry for each human approval, change request or dismissal not
    yet recorded (GitHub's review objects, oldest first; bots' reviews are not humans')."""
    seen = {
        (e.payload.get("review_id"), e.payload.get("state"))
        for e in audit.entries(repo=repo, pr=pr, kind="review")
    }
    written = []
    for review in reviews:
        user = review.get("user") or {}
        login = str(user.get("login") or "")
        state = review.get("state")
        bot = user.get("type") == "Bot" or login.endswith("[bot]")
        if state not in HUMAN_REVIEW_STATES or bot or (review.get("id"), state) in seen:
            continue
        written.append(
            audit.append(
                "review",
                repo,
                {
                    "review_id": review.get("id"),
                    "by": login,
                    "state": state,
                    "commit_id": review.get("commit_id"),
                    "at_head": review.get("commit_id") == head_sha,
                    "submitted_at": review.get("submitted_at"),
                },
                pr=pr,
                head_sha=head_sha,
                installation_id=installation_id,
                at=at,
            )
        )
    return written


def record_merge(
    audit: AuditLog,
    repo: str,
    pr: int,
    head_sha: str,
    payload: dict[str, Any],
    installation_id: int | None = None,
    at: datetime | None = None,
) -> list[AuditEntry]:
    """Append ``merged`` and, when this PR reverts an earlier merged one, ``reverted``.

    ``payload`` carries the merge fields of the ``pull_request.closed`` delivery:
    ``merge_commit_sha``, ``merged_by``, ``merged_at``, ``html_url`` and ``reverts`` (the
    revert markers of its title and body; jobs queued before carry ``title`` and ``body``).
    """
    decision = last_decision(audit, repo, pr, head_sha) or last_decision(audit, repo, pr)
    merged = audit.append(
        "merged",
        repo,
        {
            "merge_commit_sha": payload.get("merge_commit_sha"),
            "merged_by": payload.get("merged_by"),
            "merged_at": payload.get("merged_at"),
            "decision_seq": decision.seq if decision else None,
            "verdict": decision.payload.get("verdict") if decision else None,
        },
        pr=pr,
        head_sha=head_sha,
        installation_id=installation_id,
        at=at,
    )
    written = [merged]
    target = _reverted_merge(audit, repo, payload)
    if target is not None:
        written.append(
            audit.append(
                "reverted",
                repo,
                {
                    "reverted_pr": target.pr,
                    "reverted_merge_sha": target.payload.get("merge_commit_sha"),
                    "reverted_merge_seq": target.seq,
                    "reverted_verdict": target.payload.get("verdict"),
                    "reverted_by_pr": pr,
                    "reverted_by_url": payload.get("html_url"),
                    "reverted_by": payload.get("merged_by"),
                    "reverted_at": payload.get("merged_at"),
                },
                pr=target.pr,
                installation_id=installation_id,
                at=at,
            )
        )
    return written


def _reverted_merge(audit: AuditLog, repo: str, payload: dict[str, Any]) -> AuditEntry | None:
    # Jobs queued before intake kept only the markers carry the title and body instead.
    text = "\n".join(str(payload.get(key) or "") for key in ("reverts", "title", "body"))
    by_pr = REVERTS_PR.search(text)
    by_commit = REVERTS_COMMIT.search(text)
    if by_pr is None and by_commit is None:
        return None
    for entry in audit.entries(repo=repo, kind="merged"):
        sha = str(entry.payload.get("merge_commit_sha") or "")
        if by_pr and by_pr.group(1) == repo and entry.pr == int(by_pr.group(2)):
            return entry
        if by_commit and sha and sha.startswith(by_commit.group(1)):
            return entry
    return None
