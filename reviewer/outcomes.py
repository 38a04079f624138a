"""What happened after the merge: ``merged`` and ``reverted`` audit entries, linked to the
decision that let the PR through. Pure database work: no GitHub call is needed."""

from __future__ import annotations

import re
from typing import Any

from reviewer.audit import AuditEntry, AuditLog

# GitHub's revert button writes 'Revert "<title>"' and a body 'Reverts owner/repo#N';
# ``git revert`` writes 'This reverts commit <sha>.'
_REVERTS_PR = re.compile(r"\bReverts\s+([\w.-]+/[\w.-]+)#(\d+)")
_REVERTS_COMMIT = re.compile(r"\bThis reverts commit ([0-9a-f]{7,40})")


def last_decision(
    audit: AuditLog, repo: str, pr: int, head_sha: str | None = None
) -> AuditEntry | None:
    """The newest decision for the PR (at ``head_sha`` when given)."""
    found = None
    for entry in audit.entries(repo=repo, pr=pr, kind="decision"):
        if head_sha is None or entry.head_sha == head_sha:
            found = entry
    return found


def record_merge(
    audit: AuditLog,
    repo: str,
    pr: int,
    head_sha: str,
    payload: dict[str, Any],
    installation_id: int | None = None,
) -> list[AuditEntry]:
    """Append ``merged`` and, when this PR reverts an earlier merged one, ``reverted``."""
    decision = last_decision(audit, repo, pr, head_sha) or last_decision(audit, repo, pr)
    merged = audit.append(
        "merged",
        repo,
        {
            "merge_commit_sha": payload.get("merge_commit_sha"),
            "merged_by": payload.get("merged_by"),
            "decision_seq": decision.seq if decision else None,
            "verdict": decision.payload.get("verdict") if decision else None,
        },
        pr=pr,
        head_sha=head_sha,
        installation_id=installation_id,
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
                    "reverted_by": payload.get("merged_by"),
                },
                pr=target.pr,
                installation_id=installation_id,
            )
        )
    return written


def _reverted_merge(audit: AuditLog, repo: str, payload: dict[str, Any]) -> AuditEntry | None:
    text = f"{payload.get('title', '')}\n{payload.get('body', '')}"
    by_pr = _REVERTS_PR.search(text)
    by_commit = _REVERTS_COMMIT.search(text)
    if by_pr is None and by_commit is None:
        return None
    for entry in audit.entries(repo=repo, kind="merged"):
        sha = str(entry.payload.get("merge_commit_sha") or "")
        if by_pr and by_pr.group(1) == repo and entry.pr == int(by_pr.group(2)):
            return entry
        if by_commit and sha and sha.startswith(by_commit.group(1)):
            return entry
    return None
