"""One commit, several pull requests: the check run belongs to the commit.

GitHub's branch protection reads the newest ``reviewer/approval`` run on a commit, so a
head that is also the head of another open PR (into another base) must not turn
``success`` while that other PR's own standing is anything else; otherwise approving the
PR into a harmless branch would open the other PR's base too.
"""

from __future__ import annotations

from reviewer.aggregator import Reason
from reviewer.audit.log import AuditEntry, AuditLog
from reviewer.github.client import GitHubClient
from reviewer.labels import LABEL_HUMAN
from reviewer.pipeline import ReviewResult

SHARED_HEAD = "head.shared"


def own_conclusion(entry: AuditEntry) -> str | None:
    """The conclusion a decision or gate entry gave its own PR, before the shared-head
    rule (which only ever turns a ``success`` into ``action_required``)."""
    payload = entry.payload
    if entry.kind == "override":
        return payload.get("pr_conclusion") or payload.get("check_conclusion")
    if any(r.get("code") == SHARED_HEAD for r in payload.get("reasons", [])):
        return "success"
    return payload.get("check_conclusion")


def standing(audit: AuditLog, repo: str, pr: int, head: str) -> str | None:
    """The PR's own conclusion at ``head`` from its newest decision or gate entry."""
    found = None
    for entry in audit.entries(repo=repo, pr=pr):
        if entry.head_sha == head and entry.kind in ("decision", "override"):
            found = own_conclusion(entry) or found
    return found


def disagreeing(
    client: GitHubClient, audit: AuditLog, repo: str, pr: int, head: str
) -> list[tuple[int, str]]:
    """Other open PRs whose head is ``head`` and whose own standing is not ``success``."""
    out = []
    for other in client.pulls_for_commit(repo, head):
        number = int(other["number"])
        if number == pr or other.get("state") != "open" or other["head"]["sha"] != head:
            continue
        found = standing(audit, repo, number, head)
        if found != "success":
            out.append((number, found or "not reviewed yet"))
    return out


def shared_head_reason(head: str, others: list[tuple[int, str]]) -> str:
    listed = ", ".join(f"#{n} ({state})" for n, state in others)
    return (
        f"commit {head[:12]} is also the head of {listed}: the check belongs to the "
        "commit, so it stays action_required until every such PR may merge it"
    )


def held_for_shared_head(result: ReviewResult, message: str) -> ReviewResult:
    """The review's approval held back: ``human`` with the shared-head reason (which
    marks, in the audit log, that this PR's own standing was ``success``)."""
    reasons = [*result.reasons, Reason(source="gate", code=SHARED_HEAD, message=message)]
    decision = result.decision.model_copy(
        update={
            "verdict": "human",
            "reasons": reasons,
            "check_conclusion": "action_required",
            "labels": [LABEL_HUMAN],
        }
    )
    return result.model_copy(update={"verdict": "human", "reasons": reasons, "decision": decision})
