"""Markdown for people: the CLI review and the check run / summary comment body."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reviewer.aggregator import Decision, Reason
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
    note = (r.error or r.rationale or "").strip().split("\n", 1)[0].replace("|", "\\|")
    return f"| {r.subagent} | {r.status.value} | {len(r.findings)} | {note[:160]} |"


def _usage_lines(reports: list[SubAgentReport]) -> list[str]:
    """Tokens and dollars of the model parts, so the cost of every review is visible."""
    used = [r for r in reports if r.model]
    if not used:
        return []
    models = ", ".join(sorted({r.model for r in used if r.model}))
    tokens_in = sum(r.input_tokens for r in used)
    cached = sum(r.cached_tokens for r in used)
    tokens_out = sum(r.output_tokens for r in used)
    cost = sum((r.cost_usd for r in used), Decimal("0"))
    return [
        "",
        f"Model usage: {models}; {tokens_in} input tokens ({cached} cached), "
        f"{tokens_out} output tokens, ${cost}.",
    ]


def reason_tree(reasons: Sequence[Reason | dict[str, str]]) -> list[str]:
    """Reasons grouped under the gate or sub-agent that produced them, in gate order."""
    groups: dict[str, list[str]] = {}
    for reason in reasons:
        item = reason if isinstance(reason, dict) else reason.model_dump()
        groups.setdefault(item["source"], []).append(f"  - `{item['code']}`: {item['message']}")
    lines = []
    for source, items in groups.items():
        lines += [f"- **{source}**", *items]
    return lines


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
        lines += ["### Why", *reason_tree(decision.reasons), ""]
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
        if decision.findings_omitted:
            lines.append(f"- ... and {decision.findings_omitted} lower-ranked finding(s) not shown")
        lines.append("")
    if reports:
        lines += ["### Panel", "", "| sub-agent | status | findings | note |", "|---|---|---|---|"]
        lines += [_report_row(r) for r in reports]
        lines += _usage_lines(reports)
    return "\n".join(lines).rstrip() + "\n"
