"""Small, exact statistics for the outcome report: percentiles and Wilson intervals.

Rates come with their counts and a Wilson 95 % score interval, which stays honest for small
numbers (1 revert of 3 merges is "somewhere between 6 % and 79 %", not "33 %").
"""

from __future__ import annotations

import math

from pydantic import BaseModel

Z95 = 1.959963984540054


class Rate(BaseModel):
    """``count`` of ``total``, the rate, and its Wilson 95 % interval (None when total is 0)."""

    count: int
    total: int
    rate: float | None
    low: float | None
    high: float | None


def wilson(count: int, total: int) -> Rate:
    if total == 0:
        return Rate(count=count, total=0, rate=None, low=None, high=None)
    p = count / total
    denominator = 1 + Z95**2 / total
    centre = (p + Z95**2 / (2 * total)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / denominator
    return Rate(
        count=count,
        total=total,
        rate=round(p, 6),
        low=round(max(0.0, centre - half), 6),
        high=round(min(1.0, centre + half), 6),
    )


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class Durations(BaseModel):
    """Minutes from a start to an event: how many PRs, the median and the 75th percentile."""

    count: int
    median_minutes: float | None
    p75_minutes: float | None


def durations(minutes: list[float]) -> Durations:
    median, p75 = percentile(minutes, 0.5), percentile(minutes, 0.75)
    return Durations(
        count=len(minutes),
        median_minutes=None if median is None else round(median, 2),
        p75_minutes=None if p75 is None else round(p75, 2),
    )
