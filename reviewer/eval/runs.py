"""One case's run as the harness records it: the row both the results file and the
metrics read (its own module so the harness and the metrics each depend on it, not on
each other)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from reviewer.eval.matching import Match


class CaseRun(BaseModel):
    case_id: str
    label: str
    expected_verdict: str
    repeat: int
    verdict: str | None = None
    reasons: list[str] = Field(default_factory=list)
    expected: int = 0
    reported: list[dict[str, Any]] = Field(default_factory=list)  # findings with a path
    pr_level: int = 0  # findings about the PR as a whole: not scored
    matches: list[Match] = Field(default_factory=list)
    judge_fallbacks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: str = "0"
    wall_ms: int = 0
    error: str | None = None
