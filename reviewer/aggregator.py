"""Reports + gates -> ``Decision``. Deterministic: no model output can lift a gate.

Gates run in a fixed order and each adds reasons with stable codes. The verdict is the
most severe outcome, policy-bot style: anything that asks for a human beats an approval,
and approval is only possible when every gate passed and every sub-agent ran fully.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from reviewer.context import ReviewContext
from reviewer.findings import DEFAULT_MAX_FINDINGS, rank_findings
from reviewer.globs import matches_any, matches_branch
from reviewer.labels import LABEL_APPROVED, LABEL_HUMAN, LABEL_TOO_LARGE, LABEL_WOULD_APPROVE
from reviewer.paths import source_area
from reviewer.policy import GUIDANCE_DIR, POLICY_PATH
from reviewer.text import shorten
from reviewer.tripwires import (
    agent_instruction_files,
    gated,
    hidden_text_reason,
    injection_reason,
)
from subagents import hidden, injection
from subagents.base import Finding, ReportStatus, Severity, SubAgentReport
from subagents.prompting import SUMMARISED

REASON_CHARS = 300

Verdict = Literal["approve", "human", "shadow_approve"]


class Reason(BaseModel):
    source: str
    code: str
    message: str


class Coverage(BaseModel):
    reviewed: int
    changed: int


class Decision(BaseModel):
    verdict: Verdict
    reasons: list[Reason] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    findings_omitted: int = 0  # ranked below the per-review cap; counted in the summary
    check_conclusion: Literal["success", "action_required"]
    labels: list[str] = Field(default_factory=list)
    reviewers_requested: list[str] = Field(default_factory=list)
    coverage: Coverage


Gate = Callable[[ReviewContext, list[SubAgentReport]], list[Reason]]


def areas(paths: list[str]) -> set[str]:
    """Source areas touched (``reviewer.paths.source_area``): tests, docs, changelogs and
    root metadata go with a change anywhere, so they are not areas of their own."""
    return {area for area in map(source_area, paths) if area is not None}


def sized_lines(ctx: ReviewContext) -> int:
    """Changed lines a reviewer reads: lockfiles and generated files are left out."""
    return sum(f.changes for f in ctx.files if not matches_any(f.path, SUMMARISED))


def gate_policy(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    if ctx.policy_error:
        return [Reason(source="policy", code="policy.invalid", message=ctx.policy_error)]
    return []


def gate_override(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    asked = set(ctx.labels) & set(ctx.policy.require_human_for.labels)
    if ctx.human_requested or asked:
        how = f"label {sorted(asked)[0]!r}" if asked else "a /reviewer human command"
        return [
            Reason(
                source="override",
                code="override.human",
                message=f"a human review was requested ({how})",
            )
        ]
    return []


def gate_reviews(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    """A writer asked for changes on this very head: no clean review outranks that."""
    if not ctx.changes_requested:
        return []
    names = ", ".join(f"@{login}" for login in ctx.changes_requested)
    return [
        Reason(
            source="review",
            code="review.changes_requested",
            message=f"{names} requested changes on this head",
        )
    ]


def gate_base(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    """Only a PR into the default branch, or a branch the policy names, may be approved:
    the verdict depends on the base, but the check sits on the head commit."""
    if ctx.source != "github":
        return []  # a local review has no default branch; its base is what was asked
    if ctx.default_branch is not None and (
        ctx.base_ref == ctx.default_branch or matches_branch(ctx.base_ref, ctx.policy.approve_into)
    ):
        return []
    return [
        Reason(
            source="base",
            code="base.not_allowed",
            message=f"the base branch {ctx.base_ref!r} is neither the default branch nor "
            "one the policy's approve_into names",
        )
    ]


def gate_size(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    limits = ctx.policy.limits
    touched = areas([f.path for f in ctx.files])
    checks = [
        ("size.files", len(ctx.files), limits.max_files, "changed files"),
        ("size.lines", sized_lines(ctx), limits.max_changed_lines, "changed lines"),
        ("size.areas", len(touched), limits.max_areas, "source areas"),
    ]
    return [
        Reason(
            source="size",
            code=code,
            message=f"{value} {what} is over the limit of {limit}; please split this PR "
            "into smaller ones that can be reviewed on their own",
        )
        for code, value, limit, what in checks
        if value > limit
    ]


def gate_coverage(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    missing = sorted({*ctx.unreviewable, *(f.path for f in ctx.files if f.binary)})
    missing += sorted(
        f.path
        for f in ctx.files
        if f.patch is None and not f.binary and f.changes and f.path not in missing
    )
    if not missing:
        return []
    return [
        Reason(
            source="coverage",
            code="coverage.partial",
            message=f"{len(missing)} changed file(s) could not be reviewed: {_listed(missing)}",
        )
    ]


def gate_submodule(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    """A submodule bump brings in commits of another repository that nobody here reviewed."""
    changed = sorted(f.path for f in ctx.files if f.submodule)
    if not changed:
        return []
    return [
        Reason(
            source="coverage",
            code="coverage.submodule",
            message="submodule changes bring in code this review did not see: " + _listed(changed),
        )
    ]


def not_seen_by_model(reports: list[SubAgentReport]) -> dict[str, str]:
    """Changed files some model part that ran saw only in part or not at all."""
    worst: dict[str, str] = {}
    for report in reports:
        if report.status is not ReportStatus.ok:
            continue  # a model part that did not run is gated by gate_reports
        for path, seen in report.coverage.items():
            if matches_any(path, SUMMARISED):
                continue  # summarised by design; the deterministic scans read them whole
            if seen != "full" and worst.get(path) != "none":
                worst[path] = seen
    return worst


def _listed(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def gate_model_coverage(_: ReviewContext, reports: list[SubAgentReport]) -> list[Reason]:
    """The model must have seen every changed file in full for its review to count."""
    missing = not_seen_by_model(reports)
    if not missing:
        return []
    partial = sorted(p for p, seen in missing.items() if seen == "partial")
    unseen = sorted(p for p, seen in missing.items() if seen == "none")
    parts = []
    if partial:
        parts.append("only in part: " + _listed(partial))
    if unseen:
        parts.append("not at all: " + _listed(unseen))
    return [
        Reason(
            source="coverage",
            code="coverage.model",
            message=f"the model saw {len(missing)} changed file(s) "
            + "; ".join(parts)
            + " (over the prompt budget, or no text diff)",
        )
    ]


def gate_paths(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    reasons = []
    paths = [f.path for f in ctx.files] + [f.previous_path for f in ctx.files if f.previous_path]
    steering = [p for p in paths if p == POLICY_PATH or p.startswith(GUIDANCE_DIR + "/")]
    if steering:
        reasons.append(
            Reason(
                source="policy",
                code="policy.self_edit",
                message="this PR edits the reviewer's own policy or guidance "
                f"({', '.join(sorted(set(steering)))}); it was judged by "
                "the default branch's rules and needs a human",
            )
        )
    agents = agent_instruction_files(paths)
    if agents:
        reasons.append(
            Reason(
                source="policy",
                code="policy.self_edit",
                message="this PR edits instructions for coding agents "
                f"({', '.join(agents[:10])}), which steer what a model does here; "
                "a human must review it",
            )
        )
    patterns = (*ctx.policy.sensitive_paths, *ctx.policy.require_human_for.paths)
    sensitive = sorted({p for p in paths if matches_any(p, patterns)})
    if sensitive:
        reasons.append(
            Reason(
                source="paths",
                code="path.sensitive",
                message="sensitive paths changed: " + ", ".join(sensitive[:10]),
            )
        )
    return reasons


def gate_tripwires(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    """Hidden text and reviewer-directed text, scanned here: never taken from a report."""
    found = [(hidden.GATE, hidden_text_reason(ctx)), (injection.GATE, injection_reason(ctx))]
    return [Reason(source="safety", code=code, message=msg) for code, msg in found if msg]


def gate_author(ctx: ReviewContext, _: list[SubAgentReport]) -> list[Reason]:
    rules, author = ctx.policy.authors, ctx.author
    problem = None
    if author.login in rules.deny:
        problem = f"{author.login} is on the policy's deny list"
    elif ctx.fork:
        problem = "the PR comes from a fork"
    elif author.type == "Bot" or author.login.endswith("[bot]"):
        if author.login not in rules.allow_bots:
            problem = f"{author.login} is a bot that is not on the policy's allow_bots list"
    elif author.login not in rules.allow and author.association not in rules.trusted_associations:
        problem = f"{author.login} is not a trusted author (association {author.association})"
    if problem is None:
        return []
    return [Reason(source="author", code="author.untrusted", message=problem)]


def gate_reports(_: ReviewContext, reports: list[SubAgentReport]) -> list[Reason]:
    codes = {
        ReportStatus.failed: "subagent.failed",
        ReportStatus.skipped: "model.skipped",
        ReportStatus.abstained: "model.abstained",
    }
    reasons = []
    for report in reports:
        if report.status in codes:
            detail = (report.error or report.rationale or "").strip() or report.status.value
            # A reason is one line; the report itself keeps the full rationale (a trace...).
            detail = shorten(detail.splitlines()[0], REASON_CHARS)
            reasons.append(
                Reason(source=report.subagent, code=codes[report.status], message=detail)
            )
    return reasons


def _where(f: Finding) -> str:
    if not f.path:
        return ""
    return f" ({f.path}:{f.start_line})" if f.start_line else f" ({f.path})"


def gate_findings(_: ReviewContext, reports: list[SubAgentReport]) -> list[Reason]:
    return [
        Reason(
            source=f.subagent,
            code=f"finding.{f.severity.value}",
            message=f.title + _where(f),
        )
        for report in reports
        for f in report.findings
        if f.severity.rank >= Severity.major.rank and not gated(f)
    ]


def gate_held(ctx: ReviewContext, reports: list[SubAgentReport]) -> list[Reason]:
    """Major findings of earlier reviews that still stand (``reviewer.held``): asking
    again cannot make them go away; changing their lines or a writer's dismissal can."""
    fresh = {f.fingerprint for r in reports for f in r.findings}
    return [
        Reason(
            source=f.subagent,
            code="finding.held",
            message=f"{f.title} ({f.path}:{f.start_line})" if f.path else f.title,
        )
        for f in ctx.carried_findings
        if f.fingerprint not in fresh
    ]


GATES: tuple[Gate, ...] = (
    gate_policy,
    gate_override,
    gate_reviews,
    gate_base,
    gate_size,
    gate_coverage,
    gate_submodule,
    gate_model_coverage,
    gate_paths,
    gate_tripwires,
    gate_author,
    gate_reports,
    gate_findings,
    gate_held,
)


def aggregate(
    ctx: ReviewContext,
    reports: list[SubAgentReport],
    expected: tuple[str, ...] = (),
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> Decision:
    """The verdict for this context; a sub-agent listed in ``expected`` but missing from
    ``reports`` counts as failed, so a lost report can never become an approval. Gates see
    every finding; only the published list is deduplicated, ranked and capped."""
    present = {r.subagent for r in reports}
    reports = reports + [
        SubAgentReport(subagent=name, status=ReportStatus.failed, error="no report was produced")
        for name in expected
        if name not in present
    ]
    reasons = [reason for gate in GATES for reason in gate(ctx, reports)]
    fresh = [f for r in reports for f in r.findings]
    seen = {f.fingerprint for f in fresh}
    ranked = rank_findings(fresh + [f for f in ctx.carried_findings if f.fingerprint not in seen])
    findings, omitted = ranked[:max_findings], max(0, len(ranked) - max_findings)
    partly_seen = not_seen_by_model(reports)
    reviewed = len(
        [
            f
            for f in ctx.files
            if (f.patch is not None or not f.changes)  # a pure rename has nothing unread
            and not f.binary
            and f.path not in partly_seen
        ]
    )
    coverage = Coverage(reviewed=reviewed, changed=len(ctx.files))
    if reasons:
        labels = [LABEL_HUMAN]
        if any(r.code.startswith("size.") for r in reasons):
            labels.append(LABEL_TOO_LARGE)
        return Decision(
            verdict="human",
            reasons=reasons,
            findings=findings,
            findings_omitted=omitted,
            check_conclusion="action_required",
            labels=labels,
            reviewers_requested=list(ctx.policy.reviewers),
            coverage=coverage,
        )
    if not ctx.policy.auto_approve:
        shadow = Reason(
            source="policy",
            code="policy.shadow",
            message="auto_approve is off: the reviewer would have approved; a human decides",
        )
        return Decision(
            verdict="shadow_approve",
            reasons=[shadow],
            findings=findings,
            findings_omitted=omitted,
            check_conclusion="action_required",
            labels=[LABEL_WOULD_APPROVE],
            reviewers_requested=list(ctx.policy.reviewers),
            coverage=coverage,
        )
    return Decision(
        verdict="approve",
        findings=findings,
        findings_omitted=omitted,
        check_conclusion="success",
        labels=[LABEL_APPROVED],
        coverage=coverage,
    )
