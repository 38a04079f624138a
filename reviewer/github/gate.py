"""The merge gate after a human review: ``reviewer/approval`` for the PR's current head.

``success`` when the reviewer approved or a qualified human did (``approvals``), and no
writer's latest review at head requests changes; ``action_required`` otherwise. A head
that is also the head of another open PR whose own standing is not ``success`` stays
``action_required`` (``shared_head``): the check belongs to the commit, and the other
PR's base must not merge what only this PR's base made look safe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reviewer.audit.anchor import witness_line
from reviewer.audit.log import AuditLog
from reviewer.github.approvals import Approvals, contributors
from reviewer.github.client import GitHubClient
from reviewer.github.context import CHECK_RUN_NAME, base_codeowners, own_runs
from reviewer.github.shared_head import disagreeing, own_conclusion, shared_head_reason
from reviewer.outcomes import last_decision


def pushers(audit: AuditLog, repo: str, pr: int) -> set[str]:
    """Everyone recorded as having pushed to this PR (``synchronize`` senders)."""
    return {
        str(e.payload["pushed_by"]).lower()
        for e in audit.entries(repo=repo, pr=pr, kind="decision")
        if e.payload.get("pushed_by")
    }


def changed_paths(files: list[dict[str, Any]]) -> list[str]:
    """New and old names of every changed file: a rename moves code out of an owned path."""
    paths = [f["filename"] for f in files]
    paths += [f["previous_filename"] for f in files if f.get("previous_filename")]
    return list(dict.fromkeys(paths))


def _latest_own_conclusion(client: GitHubClient, repo: str, head: str) -> str | None:
    runs = own_runs(client, client.check_runs(repo, head, name=CHECK_RUN_NAME, own=True))
    return runs[-1].get("conclusion") if runs else None


def _judge(
    client: GitHubClient, audit: AuditLog, approvals: Approvals, reviewer_ok: bool
) -> tuple[str, str, str, str | None]:
    """(conclusion, audit action, title, approver) from the humans' reviews at head."""
    repo, pr = approvals.repo, approvals.pr
    blockers = approvals.blockers()
    if blockers:
        names = ", ".join(f"@{b}" for b in blockers)
        return "action_required", "changes_requested", f"Changes requested by {names}", None
    if reviewer_ok:
        return "success", "reviewer_approval_stands", "Approved by the reviewer", None
    number = pr["number"]
    excluded = {str((pr.get("user") or {}).get("login", "")).lower()}
    excluded |= contributors(client.pull_commits(repo, number))
    excluded |= pushers(audit, repo, number)
    standing = approvals.standing(
        base_codeowners(client, repo, pr),
        changed_paths(client.pull_files(repo, number)),
        excluded,
    )
    if standing.approved:
        approver = standing.approvers[0]
        title = f"Approved by @{approver} after the reviewer asked for a human"
        return "success", "human_approved", title, approver
    title = "A human review is needed"
    if standing.approvers and standing.unowned:
        title += ": no code owner approved " + ", ".join(standing.unowned[:5])
    return "action_required", "approval_withdrawn", title, None


def reevaluate(
    client: GitHubClient,
    audit: AuditLog,
    repo: str,
    pr: dict[str, Any],
    installation_id: int | None,
    reviews: list[dict[str, Any]] | None = None,
) -> str:
    """Set the gate for the PR's current head; returns what was done (for logs).
    ``reviews``: the PR's reviews when the caller already read them."""
    head = pr["head"]["sha"]
    decision = last_decision(audit, repo, pr["number"], head)
    if decision is None:
        return "no decision for this head yet"
    reviewer_ok = own_conclusion(decision) == "success"
    approvals = Approvals(client, repo, pr, reviews)
    own, action, title, approver = _judge(client, audit, approvals, reviewer_ok)
    wanted = own
    if own == "success":
        others = disagreeing(client, audit, repo, pr["number"], head)
        if others:
            wanted, title = "action_required", shared_head_reason(head, others)
    if _latest_own_conclusion(client, repo, head) == wanted:
        return f"gate already {wanted}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head_seq, head_hash = audit.head()
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
                "summary": f"Reviewer decision: audit entry {decision.seq} "
                f"({decision.payload.get('verdict')}).\n\n" + witness_line(head_seq, head_hash),
            },
        },
    )
    audit.append(
        "override",
        repo,
        {
            "action": action,
            "by": approver,
            "decision_seq": decision.seq,
            "check_conclusion": wanted,
            "pr_conclusion": own,
        },
        pr=pr["number"],
        head_sha=head,
        installation_id=installation_id,
    )
    return f"gate set to {wanted}"
