"""Per-rule and per-sub-agent figures: helpful rate with a Wilson interval, low rules,
and the optional demotion of a rule to summary-only."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, insert, select

from reviewer.audit.log import AuditLog
from reviewer.feedback.common import (
    HELPFUL,
    NO_RULE,
    SUMMARY,
    UNHELPFUL,
)
from reviewer.store.db import reading
from reviewer.store.models import (
    FeedbackComment,
    FeedbackDemotion,
    FeedbackRating,
)
from subagents.base import Finding

log = structlog.get_logger("reviewer.feedback")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % with z = 1.96)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class Row(BaseModel):
    scope: Literal["rule", "subagent"]
    name: str
    posted: int
    rated: int
    helpful: int
    unhelpful: int
    helpful_rate: float | None
    ci_low: float
    ci_high: float
    replies: int
    resolved: int
    low: bool
    demoted: bool = False


class FeedbackReport(BaseModel):
    repo: str | None
    since: str | None
    floor: float
    min_ratings: int
    rows: list[Row]

    @property
    def flagged(self) -> list[Row]:
        return [r for r in self.rows if r.low]


@dataclass
class _Unit:
    subagent: str
    rules: list[str]
    votes: dict[str, tuple[float, str]] = field(default_factory=dict)  # user -> (at, rating)
    replies: int = 0
    resolved: int = 0

    def verdict(self) -> str | None:
        helpful = sum(1 for _, r in self.votes.values() if r == HELPFUL)
        unhelpful = sum(1 for _, r in self.votes.values() if r == UNHELPFUL)
        if not self.votes:
            return None
        if helpful == unhelpful:
            return "split"
        return HELPFUL if helpful > unhelpful else UNHELPFUL


def report(
    engine: Engine,
    *,
    repo: str | None = None,
    since: datetime | None = None,
    floor: float = 0.5,
    min_ratings: int = 10,
) -> FeedbackReport:
    """Per guidance rule and per sub-agent: findings posted, rated, helpful rate (Wilson
    95 %), and whether the rate is low with enough ratings to be sure (upper bound under
    ``floor`` with at least ``min_ratings`` rated findings)."""
    start = since.timestamp() if since else None
    comments = select(FeedbackComment.__table__)
    ratings = select(FeedbackRating.__table__).where(FeedbackRating.retracted_at.is_(None))
    if repo:
        comments = comments.where(FeedbackComment.repo == repo)
        ratings = ratings.where(FeedbackRating.repo == repo)
    if start is not None:
        comments = comments.where(FeedbackComment.posted_at >= start)
    with reading(engine) as conn:
        posted = [dict(r._mapping) for r in conn.execute(comments)]
        rated = [dict(r._mapping) for r in conn.execute(ratings.order_by(FeedbackRating.at))]
        demoted = set(conn.scalars(select(FeedbackDemotion.rule_id)))
    units: dict[tuple[str, ...], _Unit] = {}
    for c in posted:
        key = _unit_key(c)
        if key not in units:
            units[key] = _Unit(c["subagent"] or "?", json.loads(c["rule_ids"]) or [NO_RULE])
    for r in rated:
        unit = units.get(_unit_key(r))
        if unit is None:  # e.g. a /reviewer feedback on a finding only in the summary
            if start is not None:
                continue
            unit = units[_unit_key(r)] = _Unit(
                r["subagent"] or "?", json.loads(r["rule_ids"]) or [NO_RULE]
            )
        if r["signal"] == "reply":
            unit.replies += 1
        elif r["signal"] == "resolved":
            unit.resolved += 1
        elif r["strong"]:
            unit.votes[r["user"] or r["source"]] = (r["at"], r["rating"])  # latest wins
    groups: dict[tuple[str, str], list[_Unit]] = defaultdict(list)
    for unit in units.values():
        groups[("subagent", unit.subagent)].append(unit)
        if unit.subagent != SUMMARY:
            for rule in unit.rules:
                groups[("rule", rule)].append(unit)
    rows = []
    for (scope, name), members in sorted(groups.items()):
        verdicts = [u.verdict() for u in members]
        helpful = verdicts.count(HELPFUL)
        unhelpful = verdicts.count(UNHELPFUL)
        n = helpful + unhelpful
        low_ci, high_ci = wilson(helpful, n)
        n_rated = sum(1 for v in verdicts if v is not None)
        rows.append(
            Row(
                scope="rule" if scope == "rule" else "subagent",
                name=name,
                posted=len(members),
                rated=n_rated,
                helpful=helpful,
                unhelpful=unhelpful,
                helpful_rate=round(helpful / n, 4) if n else None,
                ci_low=round(low_ci, 4),
                ci_high=round(high_ci, 4),
                replies=sum(u.replies for u in members),
                resolved=sum(u.resolved for u in members),
                low=n >= min_ratings and high_ci < floor and name not in (NO_RULE, SUMMARY),
                demoted=scope == "rule" and name in demoted,
            )
        )
    return FeedbackReport(
        repo=repo,
        since=since.isoformat() if since else None,
        floor=floor,
        min_ratings=min_ratings,
        rows=rows,
    )


def _unit_key(row: dict[str, Any]) -> tuple[str, ...]:
    if row.get("fingerprint"):
        return (row["repo"], "finding", row["fingerprint"])
    if row.get("comment_id") is not None:
        return (row["repo"], "comment", str(row["comment_id"]))
    return (row["repo"], "source", row["source"])


# --------------------------------------------------------------------------- demotion


def demoted_rules(engine: Engine) -> frozenset[str]:
    """Rules whose findings are listed in the summary only, never as inline comments."""
    with reading(engine) as conn:
        return frozenset(conn.scalars(select(FeedbackDemotion.rule_id)))


def demote_flagged(engine: Engine, audit: AuditLog, rep: FeedbackReport) -> list[str]:
    """Demote every flagged rule not yet demoted; each demotion is a ``config`` entry."""
    done = []
    already = demoted_rules(engine)
    for row in rep.flagged:
        if row.scope != "rule" or row.name in already:
            continue
        entry = audit.append(
            "config",
            rep.repo or "*",
            {
                "action": "rule_demoted",
                "rule_id": row.name,
                "to": "summary_only",
                "helpful": row.helpful,
                "rated": row.helpful + row.unhelpful,
                "ci_high": f"{row.ci_high:.4f}",
                "floor": f"{rep.floor:.4f}",
                "min_ratings": rep.min_ratings,
            },
        )
        with engine.begin() as conn:
            conn.execute(
                insert(FeedbackDemotion).values(
                    rule_id=row.name, at=time.time(), audit_seq=entry.seq
                )
            )
        done.append(row.name)
    return done


def is_demoted(finding: Finding, demoted: frozenset[str]) -> bool:
    """A finding goes to the summary only when every rule it cites is demoted."""
    return bool(finding.rule_ids) and all(r in demoted for r in finding.rule_ids)


def update_metrics(rep: FeedbackReport) -> None:
    from reviewer import metrics

    for row in rep.rows:
        if row.helpful_rate is not None:
            metrics.FEEDBACK_HELPFUL_RATE.labels(scope=row.scope, name=row.name).set(
                row.helpful_rate
            )
        metrics.FEEDBACK_RATED.labels(scope=row.scope, name=row.name).set(row.rated)
