"""The auditors' list of decisions: filters and keyset pages over a narrow index.

``sync`` reads the chain past the index's cursor and adds one row per ``decision`` entry
(and one per reason code), so a page is an index range scan, never a scan of JSON payloads:
fast on a million decisions. The index is derived data; the chain stays the record.
Pages are keyed by ``seq`` (``before``/``after``), so they stay stable while entries are
appended and cost the same on page 1 and page 10,000.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from typing import Any

import structlog
from pydantic import BaseModel, Field
from sqlalchemy import Engine, Select, and_, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from reviewer.store.audit_tables import audit_entries
from reviewer.store.db import reading
from reviewer.store.models import AuditDecisionIndex, AuditDecisionReason, AuditIndexHead

BATCH = 5000
PAGE = 50
REQUEST_SYNC_LIMIT = 20_000
ANALYZE_AFTER = 10_000
log = structlog.get_logger("reviewer.report")


class DecisionFilters(BaseModel):
    repo: str | None = Field(default=None, max_length=200)
    pr: int | None = Field(default=None, ge=1)
    verdict: str | None = Field(default=None, pattern=r"^(approve|shadow_approve|human)$")
    code: str | None = Field(default=None, max_length=100)
    author_type: str | None = Field(default=None, pattern=r"^(ai|human)$")
    since: date | None = None
    until: date | None = None


class DecisionRow(BaseModel):
    seq: int
    at: str
    repo: str
    pr: int | None
    verdict: str
    author_type: str | None
    codes: list[str]


class DecisionPage(BaseModel):
    rows: list[DecisionRow]
    behind: int = 0  # entries the index has not read yet (listed once it catches up)
    older: int | None  # pass as ``before`` for the next (older) page
    newer: int | None  # pass as ``after`` for the previous (newer) page


def _insert(engine: Engine, table: Any) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


class SyncResult(BaseModel):
    added: int
    behind: int  # audit entries not yet read into the index


def sync(
    engine: Engine, limit: int | None = None, analyze_after: int = ANALYZE_AFTER
) -> SyncResult:
    """Index decisions appended since the last sync, reading at most ``limit`` entries
    (all when None): a request catches up on what arrived since the last one, and the
    background indexer of ``reviewer serve`` does the long first build."""
    added, entry = 0, audit_entries.c
    with engine.begin() as conn:
        cursor = conn.execute(select(AuditIndexHead.seq).where(AuditIndexHead.id == 1)).scalar()
        head = conn.execute(select(func.max(entry.seq))).scalar() or 0
        cursor = cursor or 0
    stop = head if limit is None else min(head, cursor + limit)
    while cursor < stop:
        upto = min(cursor + BATCH, stop)
        with engine.begin() as conn:
            rows = conn.execute(
                select(entry.seq, entry.at, entry.repo, entry.pr, entry.payload)
                .where(entry.seq > cursor, entry.seq <= upto, entry.kind == "decision")
                .order_by(entry.seq)
            ).all()
            decisions, reasons = [], []
            for row in rows:
                payload = json.loads(row.payload)
                codes = sorted({str(r.get("code")) for r in payload.get("reasons", [])})
                decisions.append(
                    {
                        "seq": row.seq,
                        "at": row.at,
                        "repo": row.repo,
                        "pr": row.pr,
                        "verdict": str(payload.get("verdict")),
                        "author_type": payload.get("author_type"),
                        "codes": " ".join(codes),
                    }
                )
                reasons += [{"code": code[:100], "seq": row.seq} for code in codes]
            if decisions:
                conn.execute(_insert(engine, AuditDecisionIndex), decisions)
            if reasons:
                conn.execute(_insert(engine, AuditDecisionReason), reasons)
            conn.execute(update(AuditIndexHead).where(AuditIndexHead.id == 1).values(seq=upto))
        added += len(decisions)
        cursor = upto
    if added and added >= analyze_after:
        # Fresh statistics let the planner pick the most selective index for a filter
        # combination (without them a no-match pair of filters walks a whole index range).
        with engine.begin() as conn:
            conn.execute(text("ANALYZE audit_decision_index"))
    return SyncResult(added=added, behind=head - cursor)


def keep_synced(engine: Engine, stop: threading.Event, every_seconds: float = 5.0) -> None:
    """The background indexer: catch up, then follow the log until ``stop`` is set."""
    while not stop.is_set():
        try:
            sync(engine)
        except Exception:  # the next round retries; the pages say how far behind it is
            log.exception("audit.index_sync_failed")
        stop.wait(every_seconds)


def start_indexer(engine: Engine, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(
        target=keep_synced, args=(engine, stop), name="audit-indexer", daemon=True
    )
    thread.start()
    return thread


def _filtered(filters: DecisionFilters) -> Select[Any]:
    index = AuditDecisionIndex
    query = select(index)
    conditions = []
    if filters.repo:
        conditions.append(index.repo == filters.repo)
    if filters.pr is not None:
        conditions.append(index.pr == filters.pr)
    if filters.verdict:
        conditions.append(index.verdict == filters.verdict)
    if filters.author_type:
        conditions.append(index.author_type == filters.author_type)
    if filters.since:
        conditions.append(index.at >= filters.since.isoformat())
    if filters.until:  # inclusive of the whole day
        conditions.append(index.at < (filters.until + timedelta(days=1)).isoformat())
    if filters.code:
        conditions.append(
            index.seq.in_(
                select(AuditDecisionReason.seq).where(AuditDecisionReason.code == filters.code)
            )
        )
    return query.where(and_(*conditions)) if conditions else query


def page(
    engine: Engine,
    filters: DecisionFilters,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE,
) -> DecisionPage:
    """Newest first. ``before``: entries older than that seq; ``after``: newer than it."""
    query = _filtered(filters)
    seq = AuditDecisionIndex.seq
    if after is not None:
        query = query.where(seq > after).order_by(seq.asc())
    else:
        if before is not None:
            query = query.where(seq < before)
        query = query.order_by(seq.desc())
    with reading(engine) as conn:
        found = list(conn.execute(query.limit(size + 1)).all())
    more = len(found) > size
    found = found[:size]
    if after is not None:
        found.reverse()
    rows = [
        DecisionRow(
            seq=r.seq,
            at=r.at,
            repo=r.repo,
            pr=r.pr,
            verdict=r.verdict,
            author_type=r.author_type,
            codes=r.codes.split(),
        )
        for r in found
    ]
    older_exists = more if after is None else True
    newer_exists = (before is not None) if after is None else more
    return DecisionPage(
        rows=rows,
        older=rows[-1].seq if rows and older_exists else None,
        newer=rows[0].seq if rows and newer_exists else None,
    )
