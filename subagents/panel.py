"""The panel: six specialists run concurrently on one context, each under its own timeout.

A specialist that times out or raises becomes that specialist's ``failed`` report; it never
propagates, never takes the others down, and never counts as an approval. Cancellation of
the whole review (a newer head SHA) still propagates, so a superseded review stops.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from subagents.antipatterns import AntipatternsAgent
from subagents.base import ReportStatus, SubAgent, SubAgentReport
from subagents.description import DescriptionAgent
from subagents.intent import IntentAgent
from subagents.logic import LogicAgent
from subagents.safety import SafetyAgent
from subagents.tracing import TracingAgent

if TYPE_CHECKING:
    from reviewer.context import ReviewContext
    from reviewer.llm import ModelClient

DEFAULT_TIMEOUT_S = 120.0  # without a model; reviewer.pipeline.panel_timeout adds model time
PANEL_ORDER = ("description", "intent", "safety", "logic", "antipatterns", "tracing")


def default_panel() -> list[SubAgent]:
    """The six specialists, in the order reports are shown."""
    return [
        DescriptionAgent(),
        IntentAgent(),
        SafetyAgent(),
        LogicAgent(),
        AntipatternsAgent(),
        TracingAgent(),
    ]


def _failed(name: str, started: float, error: str, rationale: str) -> SubAgentReport:
    return SubAgentReport(
        subagent=name,
        status=ReportStatus.failed,
        recommendation="human",
        rationale=rationale,
        error=error,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )


async def run_one(
    agent: SubAgent, ctx: ReviewContext, model: ModelClient | None, timeout_s: float
) -> SubAgentReport:
    """Run one specialist; a timeout, an exception or a malformed result is a failed report."""
    started = time.perf_counter()
    try:
        report = await asyncio.wait_for(agent.run(ctx, model), timeout=timeout_s)
    except TimeoutError:
        return _failed(
            agent.name, started, f"timed out after {timeout_s:g}s", "the specialist timed out"
        )
    except Exception as exc:  # one broken specialist must not sink the review
        return _failed(
            agent.name, started, f"{type(exc).__name__}: {exc}", "the specialist crashed"
        )
    if not isinstance(report, SubAgentReport) or report.subagent != agent.name:
        return _failed(
            agent.name, started, "returned no report of its own", "the specialist misbehaved"
        )
    if not report.duration_ms:
        report = report.model_copy(
            update={"duration_ms": int((time.perf_counter() - started) * 1000)}
        )
    return report


async def run_panel(
    ctx: ReviewContext,
    model: ModelClient | None,
    agents: Sequence[SubAgent] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    timeouts: Mapping[str, float] | None = None,
) -> list[SubAgentReport]:
    """Every specialist's report, in panel order; ``timeouts`` overrides per agent name."""
    panel = default_panel() if agents is None else list(agents)
    limits = timeouts or {}
    return list(
        await asyncio.gather(
            *(run_one(a, ctx, model, limits.get(a.name, timeout_s)) for a in panel)
        )
    )
