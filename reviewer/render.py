"""Markdown for people: the CLI review and the check run / summary comment body."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reviewer.aggregator import Decision, Reason
from reviewer.text import shorten
from subagents.base import Finding, SubAgentReport
from subagents.secrets import redact

HEADLINES = {
    "approve": "Approved by the reviewer",
    "shadow_approve": "Would have approved (shadow mode): a human decides",
    "human": "A human review is needed",
}
ICONS = {"blocker": "⛔", "major": "🔴", "minor": "🟡", "info": "🔵"}


SEVERITY_ORDER = ("blocker", "major", "minor", "info")
NOT_RUN = ("model.skipped", "model.abstained")  # one summary line, not one per sub-agent
CELL_CHARS = 160


def _finding_line(f: Finding) -> str:
    where = (
        f"`{f.path}:{f.start_line}`"
        if f.path and f.start_line
        else (f"`{f.path}`" if f.path else "")
    )
    rules = f" _(rules: {', '.join(f.rule_ids)})_" if f.rule_ids else ""
    return " ".join(
        part for part in (f"- {ICONS[f.severity.value]}", where, f.title + rules) if part
    )


def _report_row(r: SubAgentReport) -> str:
    note = (r.error or r.rationale or "").strip().split("\n", 1)[0]
    note = shorten(note, CELL_CHARS).replace("|", "\\|")
    return f"| {r.subagent} | {r.status.value} | {len(r.findings)} | {note} |"


def _not_run_lines(reasons: Sequence[Reason]) -> list[str]:
    """ "Model parts skipped: no model configured (all six)" instead of six reasons."""
    by_cause: dict[tuple[str, str], list[str]] = {}
    for reason in reasons:
        verb = reason.code.removeprefix("model.")
        cause = reason.message.rsplit(f"{verb}: ", 1)[-1]
        by_cause.setdefault((reason.code, cause), []).append(reason.source)
    return [
        f"Model parts {code.removeprefix('model.')} (`{code}`): {cause} ({', '.join(sources)})."
        for (code, cause), sources in by_cause.items()
    ]


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


def _findings_by_severity(decision: Decision, details: bool) -> list[str]:
    lines = [f"### Findings ({len(decision.findings)})"]
    for severity in SEVERITY_ORDER:
        group = [f for f in decision.findings if f.severity.value == severity]
        if not group:
            continue
        lines += ["", f"**{severity}** ({len(group)})"]
        for f in group:
            lines.append(_finding_line(f))
            if details:
                lines += [f"  {line}" for line in f.body.splitlines()]
    if decision.findings_omitted:
        lines.append(f"- ... and {decision.findings_omitted} lower-ranked finding(s) not shown")
    return [*lines, ""]


def render_markdown(
    decision: Decision,
    reports: list[SubAgentReport],
    *,
    title: str | None = None,
    details: bool = True,
) -> str:
    """What a person reads first comes first: the verdict and the reason that decided it,
    then the findings by severity, the other reasons, one line for the model parts that
    did not run, and the panel table last."""
    lines = [f"## {HEADLINES[decision.verdict]}", ""]
    if title:  # PR text: a key pasted in a title is masked like one in the code
        lines += [f"**{redact(title)}**", ""]
    gates = [r for r in decision.reasons if r.code not in NOT_RUN]
    main = None
    not_run = _not_run_lines([r for r in decision.reasons if r.code in NOT_RUN])
    if gates:
        # A blocker finding outranks the gates; otherwise the first gate in gate order.
        main = next((r for r in gates if r.code == "finding.blocker"), gates[0])
        lines += [f"**Why:** {main.message} (`{main.code}`, {main.source})", ""]
    elif not_run:
        lines += [f"**Why:** {not_run.pop(0)}", ""]
    if any(r.code.startswith("size.") for r in decision.reasons):
        lines += [
            "> This PR is too large to review well. Please split it into smaller PRs "
            "that each make one change.",
            "",
        ]
    if decision.findings:
        lines += _findings_by_severity(decision, details)
    # Reasons that only repeat a finding listed above are left out.
    others = [r for r in gates if r is not main and not r.code.startswith("finding.")]
    if others:
        lines += ["### Other reasons", *reason_tree(others), ""]
    lines += not_run
    lines.append(
        f"Coverage: {decision.coverage.reviewed} of {decision.coverage.changed} "
        "changed files reviewed."
    )
    lines.append("")
    if reports:
        lines += ["### Panel", "", "| sub-agent | status | findings | note |", "|---|---|---|---|"]
        lines += [_report_row(r) for r in reports]
        lines += _usage_lines(reports)
    return "\n".join(lines).rstrip() + "\n"
