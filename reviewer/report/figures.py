"""The outcome figures: what the reviewer decided, how fast PRs got approved and merged,
how often they were reverted, how precise shadow mode was, and what it cost.

``outcome_report`` is the one computation behind ``reviewer report outcomes`` and the
``/audit`` page, so both always show the same numbers. The JSON form of
:class:`OutcomeReport` is a contract (docs/cli-json.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel

from reviewer.report.history import PrHistory
from reviewer.report.stats import Durations, Rate, durations, wilson

VERDICTS = ("approve", "shadow_approve", "human")
REVERT_WINDOWS = (7, 30)
TOP_REASONS = 10


class ReasonCount(BaseModel):
    code: str
    prs: int


class Speed(BaseModel):
    """Open -> first approval and open -> merge, by who approved (``ai`` or ``human``)."""

    to_first_approval: dict[str, Durations]
    to_merge: dict[str, Durations]


class RevertRate(BaseModel):
    """Merged PRs reverted within ``days``; only merges at least ``days`` old count."""

    days: int
    by_approval: dict[str, Rate]
    by_author: dict[str, Rate]


class ShadowPrecision(BaseModel):
    """Of PRs the reviewer would have approved: how many a human then asked to change,
    how many were reverted, and the share with neither (the precision)."""

    prs: int
    changes_requested: int
    reverted: int
    precision: Rate


class Cost(BaseModel):
    reviews: int
    cost_usd: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost_per_review_usd: str | None
    tokens_per_review: float | None
    approved_not_reverted: int
    cost_per_approved_not_reverted_usd: str | None


class Week(BaseModel):
    week: date
    prs: int
    verdicts: dict[str, int]
    merged: int
    reverted: int


class Figures(BaseModel):
    prs: int
    verdicts: dict[str, int]
    top_human_reasons: list[ReasonCount]
    speed: Speed
    revert_rates: list[RevertRate]
    shadow: ShadowPrecision
    cost: Cost
    weeks: list[Week]


class ChainState(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    verified_through: int
    checkpoints: int
    last_signed_checkpoint: int
    unanchored: int
    note: str | None = None


class OutcomeReport(BaseModel):
    generated_at: datetime
    since: datetime | None
    until: datetime | None
    as_of: datetime
    data_from: dict[str, datetime | None]
    overall: Figures
    repos: dict[str, Figures]
    chain: ChainState


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60


def _speed(prs: list[PrHistory]) -> Speed:
    to_approval: dict[str, list[float]] = {"ai": [], "human": []}
    to_merge: dict[str, list[float]] = {"ai": [], "human": []}
    for pr in prs:
        kind = pr.approved_by
        if kind is None:
            continue
        first = pr.first_ai_approval if kind == "ai" else pr.first_human_approval
        if (minutes := _minutes(pr.started, first)) is not None:
            to_approval[kind].append(minutes)
        if (minutes := _minutes(pr.started, pr.merged_at)) is not None:
            to_merge[kind].append(minutes)
    return Speed(
        to_first_approval={k: durations(v) for k, v in to_approval.items()},
        to_merge={k: durations(v) for k, v in to_merge.items()},
    )


def _reverted_within(pr: PrHistory, days: int) -> bool:
    return (
        pr.merged_at is not None
        and pr.reverted_at is not None
        and pr.reverted_at - pr.merged_at <= timedelta(days=days)
    )


def _revert_rate(prs: list[PrHistory], days: int, as_of: datetime) -> RevertRate:
    ripe = [p for p in prs if p.merged_at is not None and p.merged_at + timedelta(days) <= as_of]

    def rate(group: list[PrHistory]) -> Rate:
        return wilson(sum(_reverted_within(p, days) for p in group), len(group))

    return RevertRate(
        days=days,
        by_approval={k: rate([p for p in ripe if p.approved_by == k]) for k in ("ai", "human")},
        by_author={
            k: rate([p for p in ripe if (p.author_type or "human") == k]) for k in ("ai", "human")
        },
    )


def _shadow(prs: list[PrHistory]) -> ShadowPrecision:
    shadowed = [(p, p.shadow_at) for p in prs if p.shadow_at is not None]
    asked = reverted = good = 0
    for pr, at in shadowed:
        changed = at is not None and pr.changes_requested_after(at)
        undone = pr.reverted_at is not None
        asked, reverted, good = asked + changed, reverted + undone, good + (not (changed or undone))
    return ShadowPrecision(
        prs=len(shadowed),
        changes_requested=asked,
        reverted=reverted,
        precision=wilson(good, len(shadowed)),
    )


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.000001")).normalize(), "f")


def _cost(prs: list[PrHistory]) -> Cost:
    decisions = [d for p in prs for d in p.decisions]
    total = sum((d.cost_usd for d in decisions), Decimal("0"))
    tokens_in = sum(d.input_tokens for d in decisions)
    tokens_out = sum(d.output_tokens for d in decisions)
    good = sum(
        1 for p in prs if p.merged_at and p.approved_by is not None and p.reverted_at is None
    )
    return Cost(
        reviews=len(decisions),
        cost_usd=_money(total),
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cached_tokens=sum(d.cached_tokens for d in decisions),
        cost_per_review_usd=_money(total / len(decisions)) if decisions else None,
        tokens_per_review=(
            round((tokens_in + tokens_out) / len(decisions), 2) if decisions else None
        ),
        approved_not_reverted=good,
        cost_per_approved_not_reverted_usd=_money(total / good) if good else None,
    )


def _verdicts(prs: list[PrHistory]) -> dict[str, int]:
    counts = Counter(p.verdict for p in prs if p.verdict is not None)
    return {v: counts.get(v, 0) for v in VERDICTS}


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _weeks(prs: list[PrHistory]) -> list[Week]:
    by_week: dict[date, list[PrHistory]] = {}
    for pr in prs:
        if pr.started is not None:
            by_week.setdefault(_monday(pr.started), []).append(pr)
    return [
        Week(
            week=week,
            prs=len(group),
            verdicts=_verdicts(group),
            merged=sum(1 for p in group if p.merged_at is not None),
            reverted=sum(1 for p in group if p.reverted_at is not None),
        )
        for week, group in sorted(by_week.items())
    ]


def figures(prs: list[PrHistory], as_of: datetime) -> Figures:
    human_codes: Counter[str] = Counter()
    for pr in prs:
        if pr.verdict == "human":
            human_codes.update(set(pr.decisions[-1].codes))
    top = sorted(human_codes.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS]
    return Figures(
        prs=len(prs),
        verdicts=_verdicts(prs),
        top_human_reasons=[ReasonCount(code=code, prs=n) for code, n in top],
        speed=_speed(prs),
        revert_rates=[_revert_rate(prs, days, as_of) for days in REVERT_WINDOWS],
        shadow=_shadow(prs),
        cost=_cost(prs),
        weeks=_weeks(prs),
    )
