"""Markdown for people: the CLI review and the check run / summary comment body."""

from __future__ import annotations

from reviewer.aggregator import Decision
from subagents.base import Finding, SubAgentReport

HEADLINES = {
    "approve": "Approved by the reviewer",
    "shadow_approve": "Would have approved (shadow mode): a human decides",
    "human": "A human review is needed",
}
ICONS = {"blocker": "⛔", "major": "🔴", "minor": "🟡", "info": "🔵"}


def _finding_line(f: Finding) -> str:
    where = (
        f"`{f.path}:{f.start_line}`"
        if f.path and f.start_line
        else (f"`{f.path}`" if f.path else "")
    )
    rules = f" _(rules: {', '.join(f.rule_ids)})_" if f.rule_ids else ""
    return f"- {ICONS[f.severity.value]} **{f.severity.value}** {where} {f.title}{rules}"


def _report_row(r: SubAgentReport) -> str:
    note = (r.error or r.rationale or "").replace("\n", " ").replace("|", "\\|")
    return f"| {r.subagent} | {r.status.value} | {len(r.findings)} | {note[:160]} |"


def render_markdown(
    decision: Decision,
    reports: list[SubAgentReport],
    *,
    title: str | None = None,
    details: bool = True,
) -> str:
    lines = [f"## {HEADLINES[decision.verdict]}", ""]
    if title:
        lines += [f"**{title}**", ""]
    if decision.reasons:
        lines.append("### Why")
        lines += [f"- `{r.code}` ({r.source}): {r.message}" for r in decision.reasons]
        lines.append("")
    if any(r.code.startswith("size.") for r in decision.reasons):
        lines += [
            "> This PR is too large to review well. Please split it into smaller PRs "
            "that each make one change.",
            "",
        ]
    lines.append(
        f"Coverage: {decision.coverage.reviewed} of {decision.coverage.changed} "
        "changed files reviewed."
    )
    lines.append("")
    if decision.findings:
        lines.append(f"### Findings ({len(decision.findings)})")
        for f in decision.findings:
            lines.append(_finding_line(f))
            if details:
                lines += [f"  {line}" for line in f.body.splitlines()]
        lines.append("")
    if reports:
        lines += ["### Panel", "", "| sub-agent | status | findings | note |", "|---|---|---|---|"]
        lines += [_report_row(r) for r in reports]
    return "\n".join(lines).rstrip() + "\n"
