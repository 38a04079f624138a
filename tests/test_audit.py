"""The hash chain: canonical JSON, tamper detection, checkpoints, serialised appends."""

from __future__ import annotations

import hashlib
import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from reviewer.audit import GENESIS, AuditLog, canonical_json
from reviewer.store.db import open_database


def test_canonical_json_rules():
    assert canonical_json({"b": 1, "a": "é", "c": Decimal("0.0123")}) == (
        '{"a":"é","b":1,"c":"0.0123"}'.encode()
    )
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"x": 0.5})


def test_entries_chain_from_genesis(engine):
    log = AuditLog(engine)
    first = log.append("decision", "o/r", {"verdict": "human"}, pr=1, head_sha="a")
    second = log.append("decision", "o/r", {"verdict": "human"}, pr=2, head_sha="b")
    assert first.seq == 1 and first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    body = first.model_dump(exclude={"hash"})
    assert first.hash == hashlib.sha256(GENESIS.encode() + canonical_json(body)).hexdigest()
    assert first.at.endswith("Z")
    assert log.verify().ok


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE audit_entries SET payload = '{\"verdict\":\"approve\"}' WHERE seq = 2",
         "entry was changed"),
        ("DELETE FROM audit_entries WHERE seq = 2", "removed or inserted"),
        ("UPDATE audit_entries SET prev_hash = '" + "1" * 64 + "' WHERE seq = 3", "prev_hash"),
    ],
)
def test_tampering_is_detected(engine, sql, problem):
    log = AuditLog(engine)
    for pr in range(1, 5):
        log.append("decision", "o/r", {"verdict": "human"}, pr=pr)
    with engine.begin() as conn:
        conn.execute(text(sql))
    result = log.verify()
    assert not result.ok
    assert any(problem in p for p in result.problems), result.problems


def test_truncated_tail_detected_up_to_checkpoint(engine):
    log = AuditLog(engine, signing_key="k", checkpoint_every=2)
    for pr in range(1, 6):
        log.append("decision", "o/r", {"n": pr}, pr=pr)
    result = log.verify()
    assert result.ok and result.anchored_through == 4 and result.unanchored == 1
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq >= 4"))
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = "
                          "(SELECT hash FROM audit_entries WHERE seq = 3)"))
    broken = log.verify()
    assert not broken.ok
    assert any("checkpoint 4" in p for p in broken.problems)


def test_forged_checkpoint_signature_detected(engine):
    log = AuditLog(engine, signing_key="k", checkpoint_every=1)
    log.append("decision", "o/r", {"n": 1})
    forged = AuditLog(engine, signing_key="other", checkpoint_every=1)
    assert not forged.verify().ok


def _hammer(url: str, threads: int = 4, each: int = 15) -> AuditLog:
    logs = [AuditLog(open_database(url)) for _ in range(threads)]

    def work(log: AuditLog, n: int) -> None:
        for i in range(each):
            log.append("decision", "o/r", {"worker": n, "i": i}, pr=i)

    pool = [threading.Thread(target=work, args=(log, n)) for n, log in enumerate(logs)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return logs[0]


def test_concurrent_appends_never_fork_the_chain_sqlite(sqlite_url):
    log = _hammer(sqlite_url)
    result = log.verify()
    assert result.ok and result.entries == 60


@pytest.mark.postgres
def test_concurrent_appends_never_fork_the_chain_postgres(postgres_server_url):
    log = _hammer(postgres_server_url)
    result = log.verify()
    assert result.ok and result.entries == 60
