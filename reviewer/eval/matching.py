"""Which reported findings are the expected ones.

A reported finding *can* match an expected one when it names the same file and its line
range overlaps the expected range widened by ``tolerance`` lines on each side. When a
judge model is configured, a candidate pair matches only if the judge also says both
describe the same problem; without one (or when the judge fails) line overlap decides.
Matching is one-to-one: pairs are taken greedily by overlap, then by distance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from reviewer.eval.dataset import ExpectedFinding

DEFAULT_TOLERANCE = 3

Judge = Callable[[ExpectedFinding, dict[str, Any]], Awaitable[bool | None]]


class Match(BaseModel):
    expected: int
    reported: int
    judged: bool  # True when a judge model confirmed it


def _span(f: dict[str, Any]) -> tuple[int, int] | None:
    start = f.get("start_line")
    if not f.get("path") or start is None:
        return None
    end = f.get("end_line") or start
    return int(min(start, end)), int(max(start, end))


def candidates(
    expected: list[ExpectedFinding], reported: list[dict[str, Any]], tolerance: int
) -> list[tuple[int, int, int, int]]:
    """(expected index, reported index, overlap, distance), best first."""
    pairs = []
    for ei, e in enumerate(expected):
        lo, hi = e.start_line - tolerance, e.end_line + tolerance
        for ri, r in enumerate(reported):
            span = _span(r)
            if span is None or r["path"] != e.path:
                continue
            overlap = min(hi, span[1]) - max(lo, span[0]) + 1
            if overlap <= 0:
                continue
            distance = abs(span[0] - e.start_line)
            pairs.append((ei, ri, overlap, distance))
    pairs.sort(key=lambda p: (-p[2], p[3], p[0], p[1]))
    return pairs


async def match_findings(
    expected: list[ExpectedFinding],
    reported: list[dict[str, Any]],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    judge: Judge | None = None,
) -> tuple[list[Match], int]:
    """The one-to-one matches and how many judge calls fell back to line overlap."""
    used_e: set[int] = set()
    used_r: set[int] = set()
    matches: list[Match] = []
    fallbacks = 0
    for ei, ri, _, _ in candidates(expected, reported, tolerance):
        if ei in used_e or ri in used_r:
            continue
        verdict: bool | None = None
        if judge is not None:
            verdict = await judge(expected[ei], reported[ri])
            if verdict is None:
                fallbacks += 1
            elif not verdict:
                continue
        used_e.add(ei)
        used_r.add(ri)
        matches.append(Match(expected=ei, reported=ri, judged=verdict is True))
    return matches, fallbacks
