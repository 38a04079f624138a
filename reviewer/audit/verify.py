"""Verify the audit chain and say what kind of damage it finds, and where.

One streaming pass in ``seq`` order. Each entry's hash is recomputed; when it fails, the
entry is tried at nearby positions to tell an *edited* entry from one that was moved
(*reordered*, or shifted by an *inserted* or *deleted* row with renumbering). Gaps in
``seq`` are deletions; a broken ``prev_hash`` link with an intact entry is an insertion;
checkpoints past the end of the log mean it was *truncated*; checkpoint signatures, and the
rule that signed checkpoints may be neither replaced nor left out, are checked with the
Ed25519 public key (``audit_anchor``), as are the (seq, hash) pairs GitHub witnessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from reviewer.audit.anchor import (
    CheckpointVerifier,
    WitnessPair,
    checkpoint_findings,
    witness_findings,
)
from reviewer.audit.log import GENESIS, AuditEntry, AuditLog

Damage = Literal[
    "edited",
    "deleted",
    "inserted",
    "reordered",
    "truncated",
    "bad_signature",
    "unsigned_checkpoint",
    "missing_checkpoint",
    "witness_mismatch",
]
DEFAULT_MAX_GAP = 1000
WINDOW = 3


class Problem(BaseModel):
    seq: int
    kind: Damage
    detail: str


class VerifyResult(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    problems: list[Problem] = Field(default_factory=list)
    first_bad_seq: int | None = None
    first_bad_kind: Damage | None = None
    checkpoints: int = 0
    signed: bool = False
    anchored_through: int = 0
    unanchored: int = 0
    note: str | None = None


def _true_seq(entry: AuditEntry) -> int | None:
    """The position at which this entry's own hash verifies, if near its current one."""
    for delta in range(1, WINDOW + 1):
        for candidate in (entry.seq + delta, entry.seq - delta):
            if candidate > 0 and entry.model_copy(update={"seq": candidate}).compute_hash() == (
                entry.hash
            ):
                return candidate
    return None


def _moved(problems: list[Problem], entry: AuditEntry, shift: int | None) -> int | None:
    """Record why ``entry``'s hash fails; returns the displacement run it belongs to."""
    true_seq = _true_seq(entry)
    if true_seq is None:
        problems.append(
            Problem(seq=entry.seq, kind="edited", detail="content does not match its hash")
        )
        return None
    moved_by = entry.seq - true_seq
    if moved_by == shift:
        return shift  # the same run of renumbered entries
    last = problems[-1] if problems else None
    if shift == -moved_by and last is not None and last.seq == entry.seq - 1:
        last.kind, last.detail = "reordered", f"entries {last.seq} and {entry.seq} were swapped"
        return None
    if moved_by > 0:
        if last is not None and last.seq == true_seq and last.kind == "edited":
            problems.pop()
        problems.append(
            Problem(
                seq=true_seq,
                kind="inserted",
                detail=f"{moved_by} row(s) inserted at seq {true_seq}; later entries renumbered",
            )
        )
    else:
        problems.append(
            Problem(
                seq=entry.seq,
                kind="deleted",
                detail=f"entry {true_seq} now sits at seq {entry.seq}: rows "
                "before it were removed and the rest renumbered",
            )
        )
    return moved_by


def verify(
    log: AuditLog,
    *,
    verifier: CheckpointVerifier | None = None,
    max_gap: int = DEFAULT_MAX_GAP,
    witness: Iterable[WitnessPair] = (),
) -> VerifyResult:
    """Verify the chain, its checkpoints (with ``verifier``, else the log's own key) and
    the ``witness`` pairs collected from GitHub."""
    problems: list[Problem] = []
    checkpoints = log.checkpoints()
    witness = list(witness)
    wanted = {cp["seq"] for cp in checkpoints} | {pair.seq for pair in witness}
    seen_hashes: dict[int, str] = {0: GENESIS}  # the head before the first entry
    prev_hash, expected, count = GENESIS, 1, 0
    shift: int | None = None  # displacement of the current run of moved entries
    for entry in log.entries():
        count += 1
        if entry.seq in wanted:
            seen_hashes[entry.seq] = entry.hash
        if entry.seq > expected:
            problems.append(
                Problem(
                    seq=expected,
                    kind="deleted",
                    detail=f"entries {expected}..{entry.seq - 1} are missing",
                )
            )
        if entry.compute_hash() == entry.hash:
            shift = None
            if entry.prev_hash != prev_hash and not (
                problems and problems[-1].seq >= entry.seq - 1
            ):
                problems.append(
                    Problem(
                        seq=entry.seq,
                        kind="inserted",
                        detail="intact entry that does not link to the one before it",
                    )
                )
        else:
            shift = _moved(problems, entry, shift)
        prev_hash, expected = entry.hash, entry.seq + 1
    last_seq = expected - 1
    head_seq, head_hash = log.head()
    if head_seq > last_seq:
        problems.append(
            Problem(
                seq=last_seq + 1,
                kind="truncated",
                detail=f"the chain head says seq {head_seq}; the log ends at {last_seq}",
            )
        )
    elif (head_seq, head_hash) != (last_seq, prev_hash):
        problems.append(
            Problem(
                seq=head_seq + 1,
                kind="inserted",
                detail=f"entries after the chain head (seq {head_seq})",
            )
        )
    if any(cp["seq"] > last_seq for cp in checkpoints) and not any(
        p.kind == "truncated" for p in problems
    ):
        problems.append(
            Problem(
                seq=last_seq + 1,
                kind="truncated",
                detail=f"the log ends at seq {last_seq} but a checkpoint anchors an entry after it",
            )
        )
    verifier = verifier if verifier is not None else log.signer
    found, anchored, unsigned = checkpoint_findings(
        checkpoints, seen_hashes, last_seq, verifier, max_gap
    )
    found += witness_findings(witness, seen_hashes)
    problems += [Problem(seq=f.seq, kind=f.kind, detail=f.detail) for f in found]
    problems.sort(key=lambda p: p.seq)
    note = None
    if verifier is None:
        note = (
            "no REVIEWER_AUDIT_SIGNING_KEY or --public-key: checkpoints cannot be verified; "
            "nothing is anchored"
        )
    elif unsigned:
        note = f"{unsigned} checkpoint(s) were written unsigned (before a key was configured)"
    return VerifyResult(
        ok=not problems,
        entries=count,
        head_seq=head_seq,
        problems=problems,
        first_bad_seq=problems[0].seq if problems else None,
        first_bad_kind=problems[0].kind if problems else None,
        checkpoints=len(checkpoints),
        signed=verifier is not None,
        anchored_through=anchored,
        unanchored=max(last_seq - anchored, 0),
        note=note,
    )
