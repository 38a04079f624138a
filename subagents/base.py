"""The contracts every specialist speaks: ``Finding``, ``SubAgentReport`` and ``SubAgent``.

A sub-agent reads an immutable ``ReviewContext`` and never a client or a raw payload, so
it can be tested without a server. Its deterministic part always runs; its model part
reports ``skipped`` (with the reason) when no model is configured, and a skipped,
abstained or failed report never counts as an approval.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from reviewer.context import ReviewContext
    from reviewer.llm import ModelClient


class Severity(StrEnum):
    info = "info"
    minor = "minor"
    major = "major"
    blocker = "blocker"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class ReportStatus(StrEnum):
    ok = "ok"
    abstained = "abstained"
    failed = "failed"
    skipped = "skipped"


Recommendation = Literal["approve", "human"]


class Finding(BaseModel):
    """One thing a specialist wants a human to see, anchored to the diff when it can be."""

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    subagent: str
    severity: Severity
    path: str | None = None
    start_line: int | None = None
    end_line: int | None = None
    side: Literal["LEFT", "RIGHT"] = "RIGHT"
    title: str
    body: str
    rule_ids: list[str] = Field(default_factory=list)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    evidence: str | None = None


def _normalise_code(code: str) -> str:
    return re.sub(r"\s+", " ", code).strip()


def fingerprint(rule: str, path: str | None, code: str) -> str:
    """Stable across pushes: the rule, the path and the whitespace-normalised code."""
    raw = "\x1f".join([rule, path or "", _normalise_code(code)])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


class SubAgentReport(BaseModel):
    """What one specialist concluded, with the model and money it took."""

    subagent: str
    status: ReportStatus
    findings: list[Finding] = Field(default_factory=list)
    recommendation: Recommendation = "human"
    rationale: str = ""
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    duration_ms: int = 0
    error: str | None = None
    coverage: dict[str, Literal["full", "partial", "none"]] = Field(
        default_factory=dict,
        description="what the model part saw of each changed file; empty when it did not run",
    )


class SubAgent(Protocol):
    """A specialist on the panel; ``run`` must not raise for expected failures."""

    name: str

    async def run(self, ctx: ReviewContext, model: ModelClient | None) -> SubAgentReport: ...


def recommend(findings: list[Finding], status: ReportStatus) -> Recommendation:
    """Derived in code, never taken from a model: only a clean, complete report approves."""
    if status is not ReportStatus.ok:
        return "human"
    if any(f.severity.rank >= Severity.major.rank for f in findings):
        return "human"
    return "approve"


class DeterministicSubAgent:
    """Base for a specialist: a deterministic ``check`` that always runs, then the model
    part over the panel's shared prefix (``subagents.modelpart``).

    Without a model the report is ``skipped`` with the reason, so the aggregator routes
    the PR to a human. With one, the status is the model part's: ``ok`` only when it ran
    and its answer validated; ``failed`` on invalid output after one repair or when every
    provider failed; ``skipped`` when the budget ran out; ``abstained`` when it said so.
    """

    name: str = ""
    model_part: str = ""

    def check(self, ctx: ReviewContext) -> list[Finding]:
        return []

    def summary(self, ctx: ReviewContext, findings: list[Finding]) -> str:
        """One line on what the deterministic part looked at, put before the rationale."""
        return ""

    async def run(self, ctx: ReviewContext, model: ModelClient | None) -> SubAgentReport:
        report = await self._run(ctx, model)
        if report.status is ReportStatus.failed and report.error and not report.model:
            return report  # the deterministic check itself crashed
        line = self.summary(ctx, report.findings)
        return (
            report.model_copy(update={"rationale": f"{line}. {report.rationale}"})
            if line
            else report
        )

    async def _run(self, ctx: ReviewContext, model: ModelClient | None) -> SubAgentReport:
        started = time.perf_counter()
        try:
            # In a thread, so the panel's per-agent timeout can fire on a slow check.
            findings = await asyncio.to_thread(self.check, ctx)
        except Exception as exc:  # a bug in one check must not sink the panel
            return SubAgentReport(
                subagent=self.name,
                status=ReportStatus.failed,
                error=f"{type(exc).__name__}: {exc}",
                rationale="the deterministic check crashed",
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        if model is None:
            status = ReportStatus.skipped
            reason = "no model configured"
            return SubAgentReport(
                subagent=self.name,
                status=status,
                findings=findings,
                recommendation=recommend(findings, status),
                rationale=f"{self.model_part} skipped: {reason}" if self.model_part else reason,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        from subagents.modelpart import run_model_part  # imports this module

        part = await run_model_part(self.name, ctx, model, findings)
        merged = findings + [f for f in part.findings if f.fingerprint not in
                             {d.fingerprint for d in findings}]  # fmt: skip
        label = f"{self.model_part} {part.status.value}" if self.model_part else part.status.value
        return SubAgentReport(
            subagent=self.name,
            status=part.status,
            findings=merged,
            recommendation=recommend(merged, part.status),
            rationale=f"{label}: {part.rationale}",
            model=part.spend.model,
            input_tokens=part.spend.usage.input_tokens,
            output_tokens=part.spend.usage.output_tokens,
            cached_tokens=part.spend.usage.cached_tokens,
            cost_usd=part.spend.cost_usd,
            duration_ms=int((time.perf_counter() - started) * 1000),
            error=part.error,
            coverage=part.coverage,
        )
