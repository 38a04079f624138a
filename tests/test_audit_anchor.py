"""The audit log against someone with write access to the database: they can recompute
every hash, so only signed checkpoints (checked with the public key alone) and the
witness on GitHub can catch them. Each test is that insider's rewrite, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reviewer.audit.log import AuditEntry, AuditLog, canonical_json
from reviewer.audit.signing import CheckpointSigner, generate_private_pem
from tests.test_audit import unlock

PRIVATE = generate_private_pem()
SIGNER = CheckpointSigner.from_setting(PRIVATE)


def rewrite_chain(engine: Engine, seq: int, payload: dict) -> str:
    """What the insider does: replace entry ``seq``'s payload, recompute the hash of it and
    of every later entry, move the chain head; returns the new head hash."""
    log = AuditLog(engine)
    entries = list(log.entries(after_seq=seq - 1))
    unlock(engine)
    prev = log.get(seq - 1).hash if seq > 1 else "0" * 64
    with engine.begin() as conn:
        for old in entries:
            new = old.model_copy(
                update={"prev_hash": prev, "payload": payload if old.seq == seq else old.payload}
            )
            new = new.model_copy(update={"hash": new.compute_hash()})
            conn.execute(
                text(
                    "UPDATE audit_entries SET payload = :p, prev_hash = :v, hash = :h "
                    "WHERE seq = :s"
                ),
                {"p": canonical_json(new.payload).decode(), "v": prev, "h": new.hash, "s": new.seq},
            )
            prev = new.hash
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    return prev


def resign_unsigned(engine: Engine) -> None:
    """Checkpoints the rewrite broke, replaced by ones that match it: without the key,
    unsigned."""
    log = AuditLog(engine)
    with engine.begin() as conn:
        for cp in log.checkpoints():
            entry: AuditEntry = log.get(cp["seq"])
            if entry.hash == cp["hash"]:
                continue
            conn.execute(
                text("UPDATE audit_checkpoints SET hash = :h, signature = '' WHERE seq = :s"),
                {"h": entry.hash, "s": cp["seq"]},
            )


def cli(sqlite_url: str, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "REVIEWER_DATABASE_URL": sqlite_url,
        "REVIEWER_AUDIT_CHECKPOINT_EVERY": "4",
        "REVIEWER_AUDIT_CHECKPOINT_MAX_GAP": "4",
    }
    env.pop("REVIEWER_AUDIT_SIGNING_KEY", None)
    if key:
        env["REVIEWER_AUDIT_SIGNING_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "reviewer.cli.main", "audit", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def signed_log(engine, tmp_path) -> Path:
    """Ten decisions, a signed checkpoint every four; returns the public key file."""
    log = AuditLog(engine, SIGNER, checkpoint_every=4)
    for pr in range(1, 11):
        log.append("decision", "o/r", {"verdict": "human", "n": pr}, pr=pr)
    public = tmp_path / "audit.pub"
    public.write_text(SIGNER.public_pem())
    return public


def test_verify_with_only_the_public_key(signed_log, sqlite_url):
    done = cli(sqlite_url, "verify", "--public-key", str(signed_log))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "anchored through seq 8" in done.stdout


def test_unsigned_checkpoints_replacing_signed_ones_are_damage(signed_log, engine, sqlite_url):
    rewrite_chain(engine, 5, {"verdict": "approve", "n": 5})
    resign_unsigned(engine)
    done = cli(sqlite_url, "verify", "--public-key", str(signed_log))
    assert done.returncode == 1
    assert "seq 8: unsigned_checkpoint" in done.stdout


@pytest.mark.parametrize(
    ("rewritten", "where", "expected"),
    [
        (5, "WHERE seq >= 8", "seq 5: missing_checkpoint"),  # the ones after the rewrite
        (1, "", "seq 1: missing_checkpoint"),  # every one of them
    ],
)
def test_deleted_checkpoints_are_damage(signed_log, engine, sqlite_url, rewritten, where, expected):
    rewrite_chain(engine, rewritten, {"verdict": "approve", "n": rewritten})
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM audit_checkpoints {where}"))
    done = cli(sqlite_url, "verify", "--public-key", str(signed_log))
    assert done.returncode == 1 and expected in done.stdout, done.stdout


def test_checkpoints_export(signed_log, sqlite_url):
    done = cli(sqlite_url, "checkpoints")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["seq"] for r in rows] == [4, 8]
    assert all(SIGNER.verify(r["seq"], r["hash"], r["at"], r["signature"]) for r in rows)


def test_a_witness_pair_the_log_disagrees_with_is_damage(signed_log, engine, sqlite_url, tmp_path):
    log = AuditLog(engine)
    witness = tmp_path / "witness.txt"
    witness.write_text(
        f"Audit chain head: seq 6, sha256 {log.get(6).hash}\n"
        + json.dumps({"seq": 9, "hash": log.get(9).hash})
        + "\n"
    )
    assert cli(sqlite_url, "verify", "--witness", str(witness)).returncode == 0
    rewrite_chain(engine, 5, {"verdict": "approve", "n": 5})
    done = cli(sqlite_url, "verify", "--witness", str(witness))
    assert done.returncode == 1
    assert "seq 6: witness_mismatch" in done.stdout and "seq 9: witness_mismatch" in done.stdout


def test_a_malformed_witness_file_is_a_clear_error(signed_log, sqlite_url, tmp_path):
    witness = tmp_path / "witness.txt"
    witness.write_text("seven\n")
    done = cli(sqlite_url, "verify", "--witness", str(witness))
    assert done.returncode == 2 and "witness.txt:1" in done.stderr
