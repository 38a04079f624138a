"""The tracing specialist: what calls the changed code, and what it calls.

Its deterministic part is the tracer: changed symbols, their callers, callees and
overriders two hops out, rendered into the rationale so a human (or the model part,
which reads the same trace through ``trace_for_context``) sees the code the diff does
not show. It raises a finding only for what is certainly broken: a removed definition
that is still imported. Without a tree to trace it lists the symbols in the hunks.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from subagents.base import DeterministicSubAgent, Finding, ReportStatus, SubAgentReport
from subagents.secrets import redact
from subagents.tracing.hunks import changed_symbols
from subagents.tracing.query import analyse_context
from subagents.tracing.render import render_trace

if TYPE_CHECKING:
    from reviewer.context import ReviewContext
    from reviewer.llm import ModelClient

NAME = "tracing"
MAX_SYMBOLS = 40
RATIONALE_BUDGET_TOKENS = 3000


def _hunk_symbols(ctx: ReviewContext) -> str:
    symbols = changed_symbols(ctx.files)
    listed = ", ".join(f"{path}:{name}" for path, name in symbols[:MAX_SYMBOLS])
    if len(symbols) > MAX_SYMBOLS:
        listed += f" and {len(symbols) - MAX_SYMBOLS} more"
    return listed or "none found"


class TracingAgent(DeterministicSubAgent):
    """Traces the change; the model part judges whether each traced path still holds."""

    name = NAME
    model_part = "call-path review"

    def check(self, ctx: ReviewContext) -> list[Finding]:
        return analyse_context(ctx)[1]

    def summary(self, ctx: ReviewContext, findings: list[Finding]) -> str:
        trace = analyse_context(ctx)[0]  # memoised: ``check`` computed it
        kinds = Counter(e.kind for e in trace.edges)
        return (
            f"traced {len(trace.changed)} changed symbol(s): {kinds['caller']} callers, "
            f"{kinds['callee']} callees, {kinds['overrider']} overriders, "
            f"{kinds['value']} value uses and validations"
        )

    async def run(self, ctx: ReviewContext, model: ModelClient | None) -> SubAgentReport:
        report = await super().run(ctx, model)
        if report.status is ReportStatus.failed and report.model is None:
            return report
        trace = analyse_context(ctx)[0]
        if "no repository tree available" in trace.omitted:
            summary = (
                "tracer index not built: no repository tree available; symbols in changed "
                f"hunks: {_hunk_symbols(ctx)}."
            )
        else:
            # source lines and literals the trace quotes may hold a secret
            summary = redact(render_trace(trace, RATIONALE_BUDGET_TOKENS))
        return report.model_copy(update={"rationale": f"{report.rationale}\n\n{summary}"})
