"""A realistic review history with known ground truth, written through the real recording
functions (``record_opened``, ``pipeline.record``, ``record_reviews``, ``record_merge``).

``plan_history`` draws hundreds of PRs over weeks in two repos: AI- and human-written,
approved by the reviewer, shadow-approved or sent to humans, reviewed, merged, reverted.
``write_history`` appends them to an audit log in time order; ``expected_figures``
computes the report's numbers from the plan alone (never from the log), so the report can
be asserted exactly against it.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from reviewer.aggregator import Coverage, Decision, Reason
from reviewer.audit.log import AuditLog
from reviewer.authorship import author_signals
from reviewer.context import Author, CommitInfo, ReviewContext
from reviewer.outcomes import record_merge, record_opened, record_reviews
from reviewer.pipeline import ReviewResult, Usage, record
from reviewer.policy import Policy
from subagents.base import ReportStatus, SubAgentReport

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday
REPOS = ("acme/app", "acme/api")
HUMAN_CODES = ("size.too_large", "finding.major", "author.first_time", "paths.sensitive")
CLAUDE_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
POLICY_AGENT = "acme-release-bot"


@dataclass
class PlannedPr:
    repo: str
    number: int
    opened_at: datetime
    author: str
    ai: bool
    verdict: str
    codes: tuple[str, ...]
    decided_at: datetime
    cost: Decimal
    tokens: tuple[int, int, int]
    reviews: list[tuple[datetime, str, str]] = field(default_factory=list)
    merged_at: datetime | None = None
    reverted_at: datetime | None = None

    @property
    def head(self) -> str:
        return f"{self.number:040x}"


def plan_history(seed: int = 17, prs: int = 240, weeks: int = 8) -> list[PlannedPr]:
    rng = random.Random(seed)
    planned = []
    for index in range(prs):
        repo = REPOS[index % 2]
        opened = START + timedelta(minutes=rng.randrange(weeks * 7 * 24 * 60))
        ai = rng.random() < 0.3
        author = POLICY_AGENT if ai and rng.random() < 0.3 else rng.choice(("ann", "raj", "li"))
        verdict = rng.choices(("approve", "shadow_approve", "human"), (20, 25, 55))[0]
        codes = (
            tuple(sorted(rng.sample(HUMAN_CODES, rng.randint(1, 2)))) if verdict == "human" else ()
        )
        pr = PlannedPr(
            repo=repo,
            number=100 + index,
            opened_at=opened,
            author=author,
            ai=ai,
            verdict=verdict,
            codes=codes,
            decided_at=opened + timedelta(minutes=rng.randint(2, 30)),
            cost=Decimal(rng.randint(100, 9000)) / Decimal(100000),
            tokens=(rng.randint(5000, 40000), rng.randint(200, 3000), rng.randint(0, 20000)),
        )
        clock = pr.decided_at
        if verdict != "approve" and rng.random() < 0.35:
            clock += timedelta(minutes=rng.randint(10, 600))
            pr.reviews.append((clock, "CHANGES_REQUESTED", "bob"))
        if verdict != "approve" and rng.random() < 0.8:
            clock += timedelta(minutes=rng.randint(20, 3000))
            pr.reviews.append((clock, "APPROVED", "carol"))
        if (verdict == "approve" or (pr.reviews[-1:] and pr.reviews[-1][1] == "APPROVED")) and (
            rng.random() < 0.9
        ):
            pr.merged_at = clock + timedelta(minutes=rng.randint(5, 240))
            if rng.random() < (0.12 if ai else 0.05):
                pr.reverted_at = pr.merged_at + timedelta(hours=rng.randint(2, 24 * 40))
        planned.append(pr)
    return planned


def _context(pr: PlannedPr) -> ReviewContext:
    message = f"Change {pr.number}" + (f"\n\n{CLAUDE_TRAILER}" if pr.ai else "")
    if pr.ai and pr.author == POLICY_AGENT:
        message = f"Change {pr.number}"  # recognised by the policy's ai_authors only
    return ReviewContext(
        source="github",
        repo=pr.repo,
        pr=pr.number,
        title=f"Change {pr.number}",
        author=Author(login=pr.author),
        base_ref="main",
        base_sha="0" * 40,
        head_ref=f"topic-{pr.number}",
        head_sha=pr.head,
        commits=(CommitInfo(sha=pr.head, message=message, author=pr.author),),
        policy=Policy(ai_authors=(POLICY_AGENT,)),
    )


def _result(pr: PlannedPr) -> ReviewResult:
    reasons = [Reason(source="gate", code=code, message=code) for code in pr.codes]
    decision = Decision(
        verdict=pr.verdict,
        reasons=reasons,
        check_conclusion="success" if pr.verdict == "approve" else "action_required",
        coverage=Coverage(reviewed=1, changed=1),
    )
    tokens_in, tokens_out, cached = pr.tokens
    report = SubAgentReport(
        subagent="logic",
        status=ReportStatus.ok,
        model="anthropic:claude-sonnet-4-5",
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cached_tokens=cached,
        cost_usd=pr.cost,
    )
    usage = Usage(
        input_tokens=tokens_in, output_tokens=tokens_out, cached_tokens=cached, cost_usd=pr.cost
    )
    return ReviewResult(
        verdict=pr.verdict,
        reasons=reasons,
        reports=[report],
        findings=[],
        coverage=decision.coverage,
        usage=usage,
        decision=decision,
    )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_history(audit: AuditLog, planned: list[PlannedPr]) -> None:
    """Append every PR's events to ``audit`` in time order, as the service would."""
    events: list[tuple[datetime, int, str, PlannedPr, Any]] = []
    for pr in planned:
        events.append((pr.opened_at, 0, "opened", pr, None))
        events.append((pr.decided_at, 1, "decision", pr, None))
        for review_id, (at, state, by) in enumerate(pr.reviews):
            events.append((at, 2, "review", pr, (pr.number * 10 + review_id, state, by)))
        if pr.merged_at:
            events.append((pr.merged_at, 3, "merged", pr, None))
        if pr.reverted_at:
            events.append((pr.reverted_at, 4, "reverted", pr, None))
    events.sort(key=lambda e: (e[0], e[1], e[3].number))
    for at, _, kind, pr, extra in events:
        ctx = _context(pr)
        if kind == "opened":
            signals = author_signals(pr.author, ctx.commits, ctx.policy.ai_authors)
            record_opened(
                audit,
                pr.repo,
                pr.number,
                head_sha=pr.head,
                created_at=_stamp(at),
                author=pr.author,
                signals=signals,
                at=at,
            )
        elif kind == "decision":
            record(audit, ctx, _result(pr), {"status": "success"}, at=at)
        elif kind == "review":
            review_id, state, by = extra
            review = {
                "id": review_id,
                "user": {"login": by, "type": "User"},
                "state": state,
                "commit_id": pr.head,
                "submitted_at": _stamp(at),
            }
            record_reviews(audit, pr.repo, pr.number, pr.head, [review], at=at)
        else:
            number = pr.number if kind == "merged" else pr.number + 50000
            payload = {
                "merge_commit_sha": f"{number:040x}",
                "merged_by": "dana",
                "merged_at": _stamp(at),
                "html_url": f"https://github.com/{pr.repo}/pull/{number}",
                "title": f"Change {pr.number}" if kind == "merged" else "Revert it",
                "body": "" if kind == "merged" else f"Reverts {pr.repo}#{pr.number}",
            }
            record_merge(audit, pr.repo, number, f"{number:040x}", payload, at=at)


def approved_by(pr: PlannedPr) -> str | None:
    if pr.verdict == "approve":
        return "ai"
    if any(state == "APPROVED" for _, state, _ in pr.reviews) or pr.merged_at:
        return "human"
    return None


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_minutes": None, "p75_minutes": None}
    p75 = statistics.quantiles(values, n=4, method="inclusive")[2] if len(values) > 1 else values[0]
    return {
        "count": len(values),
        "median_minutes": round(statistics.median(values), 2),
        "p75_minutes": round(p75, 2),
    }


def expected_figures(planned: list[PlannedPr], as_of: datetime) -> dict[str, Any]:
    """The report's numbers for these PRs, from the plan alone."""
    verdicts = {
        v: sum(p.verdict == v for p in planned) for v in ("approve", "shadow_approve", "human")
    }
    codes: dict[str, int] = {}
    for pr in planned:
        for code in set(pr.codes):
            codes[code] = codes.get(code, 0) + 1
    to_approval: dict[str, list[float]] = {"ai": [], "human": []}
    to_merge: dict[str, list[float]] = {"ai": [], "human": []}
    for pr in planned:
        kind = approved_by(pr)
        if kind == "ai":
            to_approval["ai"].append(_minutes(pr.opened_at, pr.decided_at))
        elif kind == "human":
            first = next((at for at, state, _ in pr.reviews if state == "APPROVED"), None)
            if first:
                to_approval["human"].append(_minutes(pr.opened_at, first))
        if kind and pr.merged_at:
            to_merge[kind].append(_minutes(pr.opened_at, pr.merged_at))
    reverts = {}
    for days in (7, 30):
        ripe = [p for p in planned if p.merged_at and p.merged_at + timedelta(days=days) <= as_of]
        hit = [
            p for p in ripe if p.reverted_at and p.reverted_at - p.merged_at <= timedelta(days=days)
        ]
        reverts[days] = {
            "by_approval": {
                k: (sum(approved_by(p) == k for p in hit), sum(approved_by(p) == k for p in ripe))
                for k in ("ai", "human")
            },
            "by_author": {
                k: (sum(p.ai == (k == "ai") for p in hit), sum(p.ai == (k == "ai") for p in ripe))
                for k in ("ai", "human")
            },
        }
    shadow = [p for p in planned if p.verdict == "shadow_approve"]
    asked = [
        p
        for p in shadow
        if any(s == "CHANGES_REQUESTED" and at >= p.decided_at for at, s, _ in p.reviews)
    ]
    undone = [p for p in shadow if p.reverted_at]
    total_cost = sum((p.cost for p in planned), Decimal(0))
    good = [p for p in planned if p.merged_at and not p.reverted_at]
    return {
        "prs": len(planned),
        "verdicts": verdicts,
        "top_human_reasons": sorted(codes.items(), key=lambda c: (-c[1], c[0])),
        "to_first_approval": {k: _spread(v) for k, v in to_approval.items()},
        "to_merge": {k: _spread(v) for k, v in to_merge.items()},
        "reverts": reverts,
        "shadow": (len(shadow), len(asked), len(undone), len(set(map(id, asked + undone)))),
        "cost_usd": total_cost,
        "reviews": len(planned),
        "approved_not_reverted": len(good),
        "weeks": len(
            {(p.opened_at.date() - timedelta(days=p.opened_at.weekday())) for p in planned}
        ),
    }
