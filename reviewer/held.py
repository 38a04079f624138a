"""Findings that stay in force: a model is not asked again until it misses something.

Editing the description, pushing an empty commit or ``/reviewer review`` re-runs the same
code; a model that found a major or blocker problem once may not find it the next time.
So such a finding is *held*: each decision's audit entry lists it, and later reviews of
the same PR carry it (it keeps sending the PR to a human) until the lines it points at
change or a writer dismisses it (``/reviewer dismiss <finding-id>``, an ``override``
entry). Lines are recognised by a hash of their text, so a finding follows its code when
a push moves it; a finding with no lines in the diff stays until it is dismissed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from reviewer.context import ChangedFile, ReviewContext
from reviewer.diff import parse_patch
from subagents.base import Finding, Severity, SubAgentReport

if TYPE_CHECKING:
    from reviewer.audit.log import AuditLog

DISMISSED = "finding_dismissed"
_KEPT = {"fingerprint", "subagent", "severity", "path", "start_line", "end_line", "side", "title"}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _added(file: ChangedFile | None) -> dict[int, str]:
    return dict(parse_patch(file.patch).added) if file is not None and file.patch else {}


def _code(added: dict[int, str], start: int, end: int) -> str:
    return "\n".join(added.get(n, "") for n in range(start, end + 1))


def held_payload(ctx: ReviewContext, reports: list[SubAgentReport]) -> list[dict[str, Any]]:
    """The major and blocker findings of this review (and those it carried), as the
    decision's audit entry keeps them: enough to show and re-anchor them, no code."""
    found = [f for r in reports for f in r.findings if f.severity.rank >= Severity.major.rank]
    out: dict[str, dict[str, Any]] = {}
    for finding in [*found, *ctx.carried_findings]:
        lines = None
        if finding.path and finding.start_line:
            end = finding.end_line or finding.start_line
            lines = _digest(_code(_added(ctx.file(finding.path)), finding.start_line, end))
        data = finding.model_dump(mode="json", include=_KEPT)
        out.setdefault(finding.fingerprint, {**data, "lines_sha256": lines})
    return list(out.values())


def _reanchor(ctx: ReviewContext, held: dict[str, Any]) -> Finding | None:
    """The held finding at its lines in this diff, or None when those lines changed."""
    finding = Finding(body="Held from an earlier review of this pull request.", **{
        k: held[k] for k in _KEPT if k in held
    })  # fmt: skip
    if not finding.path or not finding.start_line or held.get("lines_sha256") is None:
        return finding  # nothing to compare: it stands until a writer dismisses it
    file = ctx.file(finding.path)
    if file is None:
        return None  # the PR no longer changes that file
    added = _added(file)
    span = (finding.end_line or finding.start_line) - finding.start_line
    starts = [finding.start_line, *sorted(added)]
    for start in starts:
        if _digest(_code(added, start, start + span)) == held["lines_sha256"]:
            return finding.model_copy(update={"start_line": start, "end_line": start + span})
    return None


def carried(audit: AuditLog, repo: str, pr: int) -> list[dict[str, Any]]:
    """The findings the PR's newest decision held, minus those a writer dismissed since."""
    latest, dismissed = None, set()
    for entry in audit.entries(repo=repo, pr=pr):
        if entry.kind == "decision":
            latest = entry
        elif entry.kind == "override" and entry.payload.get("action") == DISMISSED:
            dismissed.add(str(entry.payload.get("finding")))
    held = latest.payload.get("held", []) if latest is not None else []
    return [h for h in held if h.get("fingerprint") not in dismissed]


def carry(ctx: ReviewContext, held: list[dict[str, Any]]) -> tuple[Finding, ...]:
    """Held findings that still stand on this context's diff."""
    found = (_reanchor(ctx, h) for h in held)
    return tuple(f for f in found if f is not None)


def find_held(held: list[dict[str, Any]], finding_id: str) -> dict[str, Any] | None:
    """The one held finding whose fingerprint starts with ``finding_id``."""
    matching = [h for h in held if str(h.get("fingerprint", "")).startswith(finding_id)]
    return matching[0] if len(matching) == 1 and finding_id else None
