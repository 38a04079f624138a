"""Audit log at scale: ``audit query`` by repo + date on 1,000,000 entries, and
``audit verify`` throughput. Baseline in the same run: a full scan of the same table
(``SELECT count(*)``-free iteration over every row) for the query, and bare SHA-256 of the
stored payloads for verify.

    python -m benchmarks.audit [--entries 1000000] [--repos 500]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text, update

from reviewer.audit.log import GENESIS, AuditEntry, AuditLog, canonical_json, rfc3339
from reviewer.audit.verify import verify
from reviewer.store.audit_tables import audit_entries, audit_head
from reviewer.store.db import open_database

START = datetime(2026, 1, 1, tzinfo=UTC)


def build_chain(
    engine: Engine,
    count: int,
    repos: int = 50,
    batch: int = 20_000,
    payload_for: Callable[[int], dict[str, Any]] | None = None,
) -> None:
    """Write a valid chain of ``count`` decision entries fast (bulk inserts);
    ``payload_for(seq)`` gives each decision's payload (a plain verdict by default)."""
    prev = GENESIS
    rows = []
    for seq in range(1, count + 1):
        entry = AuditEntry(
            seq=seq,
            at=rfc3339(START + timedelta(seconds=seq * 30)),
            kind="decision",
            installation_id=1,
            repo=f"org/repo{seq % repos}",
            pr=seq % 997,
            head_sha=f"{seq:040x}",
            payload=payload_for(seq)
            if payload_for
            else {"verdict": "human" if seq % 3 else "approve", "reasons": []},
            prev_hash=prev,
            hash="",
        )
        entry = entry.model_copy(update={"hash": entry.compute_hash()})
        prev = entry.hash
        rows.append(
            {
                **entry.model_dump(exclude={"payload"}),
                "payload": canonical_json(entry.payload).decode(),
            }
        )
        if len(rows) == batch or seq == count:
            with engine.begin() as conn:
                conn.execute(insert(audit_entries), rows)
            rows = []
    with engine.begin() as conn:
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=count, hash=prev))


def timed(func, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repos", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'audit.db'}")
        started = time.perf_counter()
        build_chain(engine, args.entries, args.repos)
        print(f"built {args.entries:,} entries in {time.perf_counter() - started:.1f} s")
        log = AuditLog(engine)
        since, until = START + timedelta(days=3), START + timedelta(days=4)
        query = timed(lambda: list(log.entries(repo="org/repo7", since=since, until=until)))
        hits = len(list(log.entries(repo="org/repo7", since=since, until=until)))

        def scan() -> None:
            with engine.connect() as conn:
                for _ in conn.execute(text("SELECT repo, at FROM audit_entries")):
                    pass

        base = timed(scan, repeat=1)
        print(
            f"audit query repo+date: {query * 1000:.1f} ms for {hits} hits "
            f"(target < 100 ms); full-table scan baseline {base * 1000:.0f} ms; "
            f"ratio {query / base:.4f}"
        )
        started = time.perf_counter()
        result = verify(log)
        took = time.perf_counter() - started
        assert result.ok, result.problems[:3]
        with engine.connect() as conn:
            payloads = [r[0] for r in conn.execute(text("SELECT payload FROM audit_entries"))]
        started = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload.encode()).hexdigest()
        floor = time.perf_counter() - started
        print(
            f"audit verify: {result.entries / took:,.0f} entries/s ({took:.1f} s); "
            f"bare sha256 of payloads {len(payloads) / floor:,.0f}/s; ratio {took / floor:.1f}x"
        )


if __name__ == "__main__":
    main()
