"""Figures of one results file: finding precision/recall/F1, verdict rates, cost, time."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel

from reviewer.eval.runs import CaseRun

APPROVING = ("approve", "shadow_approve")


class Metrics(BaseModel):
    cases: int
    runs: int
    buggy_runs: int
    clean_runs: int
    expected: int
    reported: int
    matched: int
    precision: float | None
    recall: float | None
    f1: float | None
    false_approve_rate: float | None  # buggy runs approved (approve or shadow_approve)
    approve_rate_clean: float | None  # clean runs approved (approve or shadow_approve)
    verdict_accuracy: float | None  # runs whose verdict class is the expected one
    flip_rate: float | None  # cases whose verdict differs across repeats (repeat > 1)
    errors: int
    judge_fallbacks: int
    input_tokens: int
    output_tokens: int
    cost_usd: str
    wall_ms_p50: int
    wall_ms_p95: int
    tokens_per_case_p50: int
    tokens_per_case_p95: int
    cost_per_case_p50: str
    cost_per_case_p95: str


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def compute_metrics(runs: Sequence[CaseRun]) -> Metrics:
    ok = [r for r in runs if r.error is None]
    buggy = [r for r in ok if r.label == "buggy"]
    clean = [r for r in ok if r.label == "clean"]
    expected = sum(r.expected for r in ok)
    reported = sum(len(r.reported) for r in ok)
    matched = sum(len(r.matches) for r in ok)
    precision = _ratio(matched, reported)
    recall = _ratio(matched, expected)
    f1 = (
        round(2 * precision * recall / (precision + recall), 4)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    by_case: dict[str, set[str]] = defaultdict(set)
    repeats: dict[str, int] = defaultdict(int)
    for r in ok:
        by_case[r.case_id].add(r.verdict or "")
        repeats[r.case_id] += 1
    repeated = [c for c, n in repeats.items() if n > 1]
    flips = sum(1 for c in repeated if len(by_case[c]) > 1)
    tokens = [r.input_tokens + r.output_tokens for r in ok]
    costs = [Decimal(r.cost_usd) for r in ok]
    correct = sum(1 for r in ok if (r.verdict in APPROVING) == (r.expected_verdict == "approve"))
    return Metrics(
        cases=len({r.case_id for r in runs}),
        runs=len(runs),
        buggy_runs=len(buggy),
        clean_runs=len(clean),
        expected=expected,
        reported=reported,
        matched=matched,
        precision=precision,
        recall=recall,
        f1=f1,
        false_approve_rate=_ratio(sum(r.verdict in APPROVING for r in buggy), len(buggy)),
        approve_rate_clean=_ratio(sum(r.verdict in APPROVING for r in clean), len(clean)),
        verdict_accuracy=_ratio(correct, len(ok)),
        flip_rate=_ratio(flips, len(repeated)),
        errors=len(runs) - len(ok),
        judge_fallbacks=sum(r.judge_fallbacks for r in ok),
        input_tokens=sum(r.input_tokens for r in ok),
        output_tokens=sum(r.output_tokens for r in ok),
        cost_usd=str(sum(costs, Decimal("0"))),
        wall_ms_p50=int(percentile([r.wall_ms for r in ok], 50)),
        wall_ms_p95=int(percentile([r.wall_ms for r in ok], 95)),
        tokens_per_case_p50=int(percentile(tokens, 50)),
        tokens_per_case_p95=int(percentile(tokens, 95)),
        cost_per_case_p50=str(percentile(costs, 50) if costs else Decimal("0")),  # type: ignore[arg-type]
        cost_per_case_p95=str(percentile(costs, 95) if costs else Decimal("0")),  # type: ignore[arg-type]
    )
