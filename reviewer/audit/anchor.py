"""What anchors the audit chain against someone who can write to the database.

Whoever can write the tables can recompute every hash, so the chain alone proves nothing
against them. Two anchors they cannot forge:

* signed checkpoints: once one signed checkpoint exists, every later checkpoint must be
  signed with the key and none may be missing (at most ``max_gap`` entries apart, up to the
  end of the log). An unsigned or missing one is damage, so replacing signed checkpoints
  by unsigned ones, or deleting them, no longer passes. Checking needs only the public key.
* the witness: each decision's check run on GitHub shows the chain head (seq, hash) at that
  decision; a rewritten database disagrees with the pairs collected from GitHub.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from reviewer.errors import ConfigError

WITNESS_LINE = re.compile(r"Audit chain head: seq (\d+), sha256 ([0-9a-f]{64})")


class CheckpointVerifier(Protocol):
    def verify(self, seq: int, digest: str, at: str, signature: str) -> bool: ...


AnchorDamage = Literal[
    "edited", "bad_signature", "unsigned_checkpoint", "missing_checkpoint", "witness_mismatch"
]


class Finding(BaseModel):
    """One problem with the anchors (a damage kind of ``audit_verify``)."""

    seq: int
    kind: AnchorDamage
    detail: str


def witness_line(seq: int, digest: str) -> str:
    """The line a check-run summary carries; ``reviewer audit verify --witness`` reads it."""
    return f"Audit chain head: seq {seq}, sha256 {digest}"


def checkpoint_findings(
    checkpoints: list[dict[str, Any]],
    hashes: dict[int, str],
    last_seq: int,
    verifier: CheckpointVerifier | None,
    max_gap: int,
) -> tuple[list[Finding], int, int]:
    """(problems, seq anchored through, checkpoints written before any key) for the
    checkpoints that lie within the log (``hashes``: seq -> hash of those entries)."""
    found: list[Finding] = []
    anchored, unsigned_before_key, first_signed = 0, 0, None
    previous = 0
    for cp in sorted(checkpoints, key=lambda c: int(c["seq"])):
        seq = int(cp["seq"])
        if seq > last_seq:
            continue  # past the end of the log: the caller reports the truncation
        if hashes.get(seq) != cp["hash"]:
            found.append(
                Finding(seq=seq, kind="edited", detail=f"the entry differs from checkpoint {seq}")
            )
            continue
        if first_signed is not None and seq - previous > max_gap:
            found.append(_missing(previous, seq, max_gap))
        previous = seq
        if not cp["signature"]:
            if first_signed is None or verifier is None:
                unsigned_before_key += 1
            else:
                found.append(
                    Finding(
                        seq=seq,
                        kind="unsigned_checkpoint",
                        detail=f"checkpoint {seq} is unsigned, after signed checkpoint "
                        f"{first_signed}",
                    )
                )
        elif verifier is None:
            continue
        elif verifier.verify(seq, cp["hash"], cp["at"], cp["signature"]):
            anchored = seq
            first_signed = seq if first_signed is None else first_signed
        else:
            found.append(
                Finding(
                    seq=seq,
                    kind="bad_signature",
                    detail=f"checkpoint {seq}'s signature does not verify",
                )
            )
    if verifier is not None and last_seq - (previous if first_signed is not None else 0) > max_gap:
        found.append(_missing(previous if first_signed is not None else 0, last_seq, max_gap))
    return found, anchored, unsigned_before_key


def _missing(after: int, upto: int, max_gap: int) -> Finding:
    return Finding(
        seq=after + 1,
        kind="missing_checkpoint",
        detail=f"no signed checkpoint between seq {after + 1} and {upto}: checkpoints are "
        f"at most {max_gap} entries apart, so one was deleted or never signed",
    )


class WitnessPair(BaseModel):
    seq: int
    hash: str


def read_witness(path: Path) -> list[WitnessPair]:
    """(seq, hash) pairs from a file: JSON lines ``{"seq": .., "hash": ..}``, lines
    ``SEQ HASH``, or check-run summaries containing the witness line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the witness file {path}: {exc.strerror}") from None
    pairs: list[WitnessPair] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        pairs.append(_pair(line, path, number))
    return pairs


def _pair(line: str, path: Path, number: int) -> WitnessPair:
    quoted = WITNESS_LINE.search(line)
    if quoted:
        return WitnessPair(seq=int(quoted.group(1)), hash=quoted.group(2))
    try:
        if line.startswith("{"):
            return WitnessPair.model_validate(json.loads(line))
        seq, digest = line.split()
        return WitnessPair(seq=int(seq), hash=digest.lower())
    except ValueError:
        raise ConfigError(
            f"{path}:{number}: expected 'SEQ HASH', a JSON object with seq and hash, or a "
            "check-run summary line 'Audit chain head: seq N, sha256 HASH'"
        ) from None


def witness_findings(pairs: Iterable[WitnessPair], hashes: dict[int, str]) -> list[Finding]:
    """Pairs the log disagrees with: the entry is gone or its hash differs."""
    found = []
    for pair in pairs:
        have = hashes.get(pair.seq)
        if have != pair.hash:
            what = "is missing" if have is None else f"has hash {have[:16]}..."
            found.append(
                Finding(
                    seq=pair.seq,
                    kind="witness_mismatch",
                    detail=f"GitHub shows seq {pair.seq} as {pair.hash[:16]}...; "
                    f"the log's entry {what}",
                )
            )
    return found
