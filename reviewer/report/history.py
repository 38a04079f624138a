"""One pull request's life, read back from the audit log: when it was opened and by whom,
what the reviewer decided, what humans said, when it was merged and whether it was reverted.

The outcome figures (``figures.py``) are computed from these, never from GitHub, so the
report is only as old as the log and needs no network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from reviewer.audit.log import AuditEntry

EPOCH = datetime.fromtimestamp(0, UTC)
FACT_KINDS = ("opened", "decision", "review", "merged", "reverted")


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 (GitHub's and the log's) to an aware datetime; None when absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DecisionFact:
    at: datetime
    verdict: str
    codes: tuple[str, ...]
    cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    cached_tokens: int


@dataclass(frozen=True, slots=True)
class ReviewFact:
    at: datetime
    state: str
    by: str
    at_head: bool


@dataclass(slots=True)
class PrHistory:
    repo: str
    pr: int
    opened_at: datetime | None = None
    author_type: str | None = None
    decisions: list[DecisionFact] = field(default_factory=list)
    reviews: list[ReviewFact] = field(default_factory=list)
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_verdict: str | None = None
    reverted_at: datetime | None = None
    reverted_by_url: str | None = None

    @property
    def started(self) -> datetime | None:
        """When the PR was opened; the first decision stands in before ``opened`` existed."""
        return self.opened_at or (self.decisions[0].at if self.decisions else None)

    @property
    def verdict(self) -> str | None:
        return self.decisions[-1].verdict if self.decisions else None

    @property
    def first_ai_approval(self) -> datetime | None:
        return next((d.at for d in self.decisions if d.verdict == "approve"), None)

    @property
    def first_human_approval(self) -> datetime | None:
        return next((r.at for r in self.reviews if r.state == "APPROVED"), None)

    @property
    def approved_by(self) -> str | None:
        """``ai`` when the reviewer approved; ``human`` when a person approved or merged it."""
        if self.first_ai_approval is not None or self.merge_verdict == "approve":
            return "ai"
        if self.first_human_approval is not None or self.merged_at is not None:
            return "human"
        return None

    @property
    def shadow_at(self) -> datetime | None:
        return next((d.at for d in self.decisions if d.verdict == "shadow_approve"), None)

    def changes_requested_after(self, moment: datetime) -> bool:
        return any(r.state == "CHANGES_REQUESTED" and r.at >= moment for r in self.reviews)


def _decision(entry: AuditEntry, at: datetime) -> DecisionFact:
    usage = entry.payload.get("usage") or {}
    return DecisionFact(
        at=at,
        verdict=str(entry.payload.get("verdict")),
        codes=tuple(
            str(r.get("code")) for r in entry.payload.get("reasons", []) if isinstance(r, dict)
        ),
        cost_usd=Decimal(str(usage.get("cost_usd") or "0")),
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        cached_tokens=int(usage.get("cached_tokens") or 0),
    )


def histories(entries: Iterable[AuditEntry]) -> list[PrHistory]:
    """Fold the log (in chain order) into one history per (repo, PR)."""
    found: dict[tuple[str, int], PrHistory] = {}
    for entry in entries:
        if entry.pr is None or entry.kind not in FACT_KINDS:
            continue
        history = found.setdefault((entry.repo, entry.pr), PrHistory(entry.repo, entry.pr))
        at = parse_time(entry.at) or EPOCH
        payload = entry.payload
        if payload.get("author_type") == "ai" or history.author_type is None:
            # AI-written once (say a later push by an agent) is AI-written for good.
            history.author_type = payload.get("author_type") or history.author_type
        if entry.kind == "opened":
            history.opened_at = parse_time(payload.get("created_at")) or at
        elif entry.kind == "decision":
            history.decisions.append(_decision(entry, at))
        elif entry.kind == "review":
            history.reviews.append(
                ReviewFact(
                    at=parse_time(payload.get("submitted_at")) or at,
                    state=str(payload.get("state")),
                    by=str(payload.get("by")),
                    at_head=bool(payload.get("at_head")),
                )
            )
        elif entry.kind == "merged":
            history.merged_at = parse_time(payload.get("merged_at")) or at
            history.merged_by = payload.get("merged_by")
            history.merge_verdict = payload.get("verdict")
        else:
            history.reverted_at = parse_time(payload.get("reverted_at")) or at
            history.reverted_by_url = payload.get("reverted_by_url")
    return list(found.values())
