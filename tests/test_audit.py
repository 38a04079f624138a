"""The hash chain: canonical JSON, append-only triggers, signed checkpoints, and verify
naming the sequence number and kind of every sort of damage, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from benchmarks.audit import build_chain
from reviewer.audit.log import GENESIS, AuditLog, canonical_json
from reviewer.audit.signing import CheckpointSigner, generate_private_pem
from reviewer.audit.verify import verify
from reviewer.store.db import open_database

SIGNER = CheckpointSigner.from_setting(generate_private_pem())


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
    assert first.seq == 1 and first.prev_hash == GENESIS and second.prev_hash == first.hash
    body = first.model_dump(exclude={"hash"})
    assert first.hash == hashlib.sha256(GENESIS.encode() + canonical_json(body)).hexdigest()
    assert first.at.endswith("Z")
    result = verify(log)
    assert result.ok and "no REVIEWER_AUDIT_SIGNING_KEY" in result.note


def test_the_database_refuses_updates_and_deletes(engine):
    AuditLog(engine).append("decision", "o/r", {"verdict": "human"})
    for sql in ("UPDATE audit_entries SET repo = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))


def unlock(engine: Engine) -> None:
    """What an attacker with the database owner's rights would do first."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("audit_entries", "audit_checkpoints"):
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        else:
            for table in ("audit_entries", "audit_checkpoints"):
                for verb in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


SWAP = [
    "UPDATE audit_entries SET seq = -1 WHERE seq = 5",
    "UPDATE audit_entries SET seq = 5 WHERE seq = 6",
    "UPDATE audit_entries SET seq = 6 WHERE seq = -1",
]
RENUMBER_UP = [
    "UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 5",
    "UPDATE audit_entries SET seq = seq - 99 WHERE seq >= 100",
    "INSERT INTO audit_entries (seq, at, kind, repo, payload, prev_hash, hash) "
    'SELECT 5, at, kind, repo, \'{"verdict":"approve"}\', hash, \'' + "f" * 64 + "'"
    " FROM audit_entries WHERE seq = 4",
]
RENUMBER_DOWN = [
    "DELETE FROM audit_entries WHERE seq = 5",
    "UPDATE audit_entries SET seq = seq + 100 WHERE seq > 5",
    "UPDATE audit_entries SET seq = seq - 101 WHERE seq >= 100",
    "UPDATE audit_head SET seq = 9",
]
DAMAGE = [
    ("edited", ['UPDATE audit_entries SET payload = \'{"verdict":"approve"}\' WHERE seq = 5'], 5),
    ("deleted", ["DELETE FROM audit_entries WHERE seq = 5"], 5),
    ("deleted", RENUMBER_DOWN, 5),
    ("reordered", SWAP, 5),
    ("inserted", RENUMBER_UP, 5),
    (
        "truncated",
        [
            "DELETE FROM audit_entries WHERE seq >= 7",
            "UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_entries WHERE seq = 6)",
        ],
        7,
    ),
    ("bad_signature", ["UPDATE audit_checkpoints SET signature = '" + "ab" * 64 + "'"], 4),
]


def damaged(engine: Engine, statements: list[str]):
    log = AuditLog(engine, SIGNER, checkpoint_every=4)
    for pr in range(1, 11):
        log.append("decision", "o/r", {"verdict": "human", "n": pr}, pr=pr, head_sha=f"{pr:040x}")
    assert verify(log).ok
    unlock(engine)
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    return verify(log)


@pytest.mark.parametrize(("kind", "statements", "seq"), DAMAGE)
def test_damage_is_named_with_its_seq_sqlite(engine, kind, statements, seq):
    result = damaged(engine, statements)
    assert not result.ok
    assert (result.first_bad_seq, result.first_bad_kind) == (seq, kind), result.problems


@pytest.mark.postgres
@pytest.mark.parametrize(("kind", "statements", "seq"), DAMAGE)
def test_damage_is_named_with_its_seq_postgres(postgres_engine, kind, statements, seq):
    result = damaged(postgres_engine, statements)
    assert not result.ok
    assert (result.first_bad_seq, result.first_bad_kind) == (seq, kind), result.problems


def test_inserted_row_after_the_head_is_found(engine):
    log = AuditLog(engine, SIGNER, checkpoint_every=4)
    for pr in range(1, 4):
        log.append("decision", "o/r", {"n": pr}, pr=pr)
    forged = AuditLog(engine)  # a writer that bypasses the head: insert by hand
    unlock(engine)
    entry = forged.append("decision", "o/r", {"n": 99})
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": log.get(3).hash})
    result = verify(log)
    assert (result.first_bad_seq, result.first_bad_kind) == (entry.seq, "inserted")


def test_checkpoints_anchor_and_forged_key_fails(engine):
    log = AuditLog(engine, SIGNER, checkpoint_every=2)
    for pr in range(1, 6):
        log.append("decision", "o/r", {"n": pr}, pr=pr)
    result = verify(log)
    assert result.ok and result.anchored_through == 4 and result.unanchored == 1
    other = AuditLog(engine, CheckpointSigner.from_setting(generate_private_pem()))
    assert verify(other).first_bad_kind == "bad_signature"


def test_query_filters(engine):
    log = AuditLog(engine)
    log.append("decision", "o/a", {"verdict": "human"}, pr=1)
    log.append("decision", "o/a", {"verdict": "approve"}, pr=2)
    log.append("decision", "o/b", {"verdict": "approve", "note": '"verdict":"human"'}, pr=1)
    assert [e.pr for e in log.entries(repo="o/a", verdict="approve")] == [2]
    assert [e.repo for e in log.entries(verdict="human")] == ["o/a"]
    assert log.get(3).repo == "o/b" and log.get(4) is None


def test_100k_untouched_entries_verify(engine):
    build_chain(engine, 100_000)
    result = verify(AuditLog(engine))
    assert result.ok and result.entries == 100_000


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
    result = verify(_hammer(sqlite_url))
    assert result.ok and result.entries == 60


@pytest.mark.postgres
def test_concurrent_appends_never_fork_the_chain_postgres(postgres_url):
    result = verify(_hammer(postgres_url))
    assert result.ok and result.entries == 60
