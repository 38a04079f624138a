"""context -> panel -> aggregate -> record. Publishing is the caller's (GitHub) step.

The pipeline is the same for local and GitHub reviews; only how the context is built and
where the decision goes differ.
"""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from reviewer.aggregator import Coverage, Decision, Reason, aggregate
from reviewer.authorship import author_signals, author_type
from reviewer.context import ReviewContext
from reviewer.findings import DEFAULT_MAX_FINDINGS
from reviewer.guidance.rules import guidance_digest
from reviewer.held import held_payload
from reviewer.policy import Limits, clamp
from subagents.base import Finding, SubAgent, SubAgentReport
from subagents.panel import DEFAULT_TIMEOUT_S, default_panel, run_panel

if TYPE_CHECKING:
    from reviewer.audit.log import AuditEntry, AuditLog  # the caller hands the log in
    from reviewer.llm import ModelClient, ModelRouter


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    github_requests: int = 0
    duration_ms: int = 0


class ReviewResult(BaseModel):
    """The machine-readable review (``reviewer review --format json``): a CLI contract."""

    verdict: str
    reasons: list[Reason]
    reports: list[SubAgentReport]
    findings: list[Finding]
    coverage: Coverage
    usage: Usage
    decision: Decision = Field(exclude=True)


def summarise_usage(reports: list[SubAgentReport], github_requests: int, started: float) -> Usage:
    return Usage(
        input_tokens=sum(r.input_tokens for r in reports),
        output_tokens=sum(r.output_tokens for r in reports),
        cached_tokens=sum(r.cached_tokens for r in reports),
        cost_usd=sum((r.cost_usd for r in reports), Decimal("0")),
        github_requests=github_requests,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )


def audit_payload(
    ctx: ReviewContext,
    decision: Decision,
    usage: Usage,
    reports: list[SubAgentReport],
    checks: dict[str, Any] | None,
) -> dict[str, Any]:
    """What an auditor needs to see why this verdict was reached, without the code itself."""
    signals = author_signals(ctx.author.login, ctx.commits, ctx.policy.ai_authors)
    return {
        "source": ctx.source,
        "verdict": decision.verdict,
        "check_conclusion": decision.check_conclusion,
        "reasons": [r.model_dump() for r in decision.reasons],
        "base_sha": ctx.base_sha,
        "author": ctx.author.login,
        "pushed_by": ctx.pushed_by,
        "author_type": author_type(signals),
        "author_signals": signals,
        "subagents": [
            {
                "name": r.subagent,
                "status": r.status.value,
                "model": r.model,
                "findings": len(r.findings),
                "input_tokens": r.input_tokens,
                "output_tokens": r.output_tokens,
                "cached_tokens": r.cached_tokens,
                "cost_usd": r.cost_usd,
                "not_fully_seen": sorted(p for p, seen in r.coverage.items() if seen != "full"),
            }
            for r in reports
        ],
        "findings": [f.fingerprint for f in decision.findings],
        "held": held_payload(ctx, reports),
        "findings_omitted": decision.findings_omitted,
        "coverage": decision.coverage.model_dump(),
        "policy_sha256": ctx.policy_sha256,
        "policy_error": ctx.policy_error,
        "guidance_sha256": guidance_digest(ctx.guidance),
        "checks": checks or {},
        "usage": usage.model_dump(exclude={"duration_ms"}),
    }


def panel_timeout(model: ModelClient | None) -> float:
    """Per-specialist timeout: with a model, room for a cache warm-up call, one repair
    and a failover, each within the per-call timeout."""
    if model is None:
        return DEFAULT_TIMEOUT_S
    return max(DEFAULT_TIMEOUT_S, 4 * model.router.policy.timeout_s)


async def review(
    ctx: ReviewContext,
    *,
    model: ModelRouter | ModelClient | None = None,
    agents: list[SubAgent] | None = None,
    github_requests: int = 0,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    ceiling: Limits | None = None,
) -> ReviewResult:
    """Run the panel on ``ctx`` and decide. ``model`` is the process's router (each review
    gets its own session, so its own budget) or a session. Recording is a separate step
    (``record``) so the GitHub path can count the requests its publishing made."""
    started = time.perf_counter()
    if ceiling is not None:  # the host's limits bound whatever the repo's policy says
        ctx = ctx.model_copy(update={"policy": clamp(ctx.policy, ceiling)})
    panel = agents if agents is not None else default_panel()
    session: ModelClient | None = None
    if model is not None:  # the model layer is imported only when there is a model
        from reviewer.llm import ModelRouter

        session = model.session() if isinstance(model, ModelRouter) else model
    reports = await run_panel(ctx, session, panel, timeout_s=panel_timeout(session))
    decision = aggregate(
        ctx, reports, expected=tuple(a.name for a in panel), max_findings=max_findings
    )
    return ReviewResult(
        verdict=decision.verdict,
        reasons=decision.reasons,
        reports=reports,
        findings=decision.findings,
        coverage=decision.coverage,
        usage=summarise_usage(reports, github_requests, started),
        decision=decision,
    )


def record(
    audit: AuditLog,
    ctx: ReviewContext,
    result: ReviewResult,
    checks: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append the decision to the hash-chained audit log."""
    return audit.append(
        "decision",
        ctx.repo,
        audit_payload(ctx, result.decision, result.usage, result.reports, checks),
        pr=ctx.pr,
        head_sha=ctx.head_sha,
        installation_id=ctx.installation_id,
        at=at,
    )
