"""Build the :class:`OutcomeReport` from the audit log: the one entry point the CLI
(``reviewer report outcomes``) and the ``/audit`` page share."""

from __future__ import annotations

from datetime import UTC, datetime

from reviewer.audit.log import AuditLog
from reviewer.audit.verify import VerifyResult, verify
from reviewer.report.figures import ChainState, OutcomeReport, figures
from reviewer.report.history import FACT_KINDS, PrHistory, histories, parse_time


def chain_state(result: VerifyResult) -> ChainState:
    """Verified through the entry before the first damage (the whole chain when intact)."""
    through = result.head_seq if result.ok else max((result.first_bad_seq or 1) - 1, 0)
    return ChainState(
        ok=result.ok,
        entries=result.entries,
        head_seq=result.head_seq,
        verified_through=through,
        checkpoints=result.checkpoints,
        last_signed_checkpoint=result.anchored_through,
        unanchored=result.unanchored,
        note=result.note,
    )


def _in_window(pr: PrHistory, since: datetime | None, until: datetime | None) -> bool:
    started = pr.started
    if started is None:
        return False
    return (since is None or started >= since) and (until is None or started < until)


def outcome_report(
    audit: AuditLog,
    *,
    repo: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> OutcomeReport:
    """Figures for PRs opened in ``[since, until)``, per repo and overall.

    Outcomes that happen after ``until`` still count for those PRs (a revert a week after
    the window is that PR's revert); a revert rate counts only merges at least its window
    old at ``as_of`` (``until`` or now, whichever is earlier).
    """
    since, until = _aware(since), _aware(until)
    now = _aware(now) or datetime.now(UTC)
    as_of = min(until, now) if until else now
    prs = [p for p in histories(audit.entries(repo=repo)) if _in_window(p, since, until)]
    prs.sort(key=lambda p: (p.repo, p.pr))
    by_repo: dict[str, list[PrHistory]] = {}
    for pr in prs:
        by_repo.setdefault(pr.repo, []).append(pr)
    data_from = {
        kind: parse_time(first.at) if first else None
        for kind in FACT_KINDS
        for first in [next(audit.entries(repo=repo, kind=kind, limit=1), None)]
    }
    return OutcomeReport(
        generated_at=now,
        since=since,
        until=until,
        as_of=as_of,
        data_from=data_from,
        overall=figures(prs, as_of),
        repos={name: figures(group, as_of) for name, group in sorted(by_repo.items())},
        chain=chain_state(verify(audit)),
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
