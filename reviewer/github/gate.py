"""The merge gate after a human review: a qualified human's approval at the current head
turns ``reviewer/approval`` into ``success``; a dismissed one turns it back.

A qualified human (ARCHITECTURE.md) has write access, is not the PR's author, is not a
bot, and — where CODEOWNERS names users for the changed paths — is one of those owners.
Team owners cannot be resolved without the ``members`` permission, so when only teams own
the paths any qualified writer counts; the repo's own "require review from Code Owners"
rule is the place to enforce teams.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reviewer.audit import AuditLog
from reviewer.codeowners import owners_of
from reviewer.github.client import GitHubClient
from reviewer.github.context import CHECK_RUN_NAME
from reviewer.outcomes import last_decision

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


def _is_bot(user: dict[str, Any]) -> bool:
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]")


def approvers_at_head(reviews: list[dict[str, Any]], head: str, author: str) -> list[str]:
    """Users whose latest review is an approval of ``head`` (later reviews override)."""
    latest: dict[str, dict[str, Any]] = {}
    for review in reviews:
        user = review.get("user") or {}
        if review.get("state") in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[user.get("login", "")] = review
    return [
        login
        for login, review in latest.items()
        if review.get("state") == "APPROVED"
        and review.get("commit_id") == head
        and login
        and login.lower() != author.lower()
        and not _is_bot(review.get("user") or {})
    ]


def qualified_approver(
    client: GitHubClient, repo: str, pr: dict[str, Any], codeowners: str | None, paths: list[str]
) -> str | None:
    head, author = pr["head"]["sha"], (pr.get("user") or {}).get("login", "")
    candidates = approvers_at_head(client.pull_reviews(repo, pr["number"]), head, author)
    owners = [o.lstrip("@").lower() for o in owners_of(codeowners, paths)]
    user_owners = {o for o in owners if "/" not in o and "@" not in o}
    if user_owners:
        candidates = [c for c in candidates if c.lower() in user_owners]
    for login in candidates:
        if client.permission(repo, login) in WRITE_PERMISSIONS:
            return login
    return None


def _latest_own_conclusion(client: GitHubClient, repo: str, head: str) -> str | None:
    runs = [r for r in client.check_runs(repo, head) if r.get("name") == CHECK_RUN_NAME]
    runs.sort(key=lambda r: int(r.get("id", 0)))
    return runs[-1].get("conclusion") if runs else None


def reevaluate(
    client: GitHubClient,
    audit: AuditLog,
    repo: str,
    pr: dict[str, Any],
    codeowners: str | None,
    paths: list[str],
    installation_id: int | None,
) -> str:
    """Set the gate for the PR's current head; returns what was done (for logs)."""
    head = pr["head"]["sha"]
    decision = last_decision(audit, repo, pr["number"], head)
    if decision is None:
        return "no decision for this head yet"
    if decision.payload.get("verdict") == "approve":
        return "already approved by the reviewer"
    approver = qualified_approver(client, repo, pr, codeowners, paths)
    wanted = "success" if approver else "action_required"
    if _latest_own_conclusion(client, repo, head) == wanted:
        return f"gate already {wanted}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = (
        f"Approved by @{approver} after the reviewer asked for a human"
        if approver
        else "A human review is needed (the approval was withdrawn)"
    )
    client.create_check_run(
        repo,
        {
            "name": CHECK_RUN_NAME,
            "head_sha": head,
            "status": "completed",
            "conclusion": wanted,
            "completed_at": now,
            "output": {
                "title": title,
                "summary": f"Reviewer decision: audit entry "
                f"{decision.seq} ({decision.payload.get('verdict')}).",
            },
        },
    )
    audit.append(
        "override",
        repo,
        {
            "action": "human_approved" if approver else "approval_withdrawn",
            "by": approver,
            "decision_seq": decision.seq,
            "check_conclusion": wanted,
        },
        pr=pr["number"],
        head_sha=head,
        installation_id=installation_id,
    )
    return f"gate set to {wanted}"
