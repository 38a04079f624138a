"""Verify the audit chain and say what kind of damage it finds, and where.

One streaming pass in ``seq`` order. Each entry's hash is recomputed; when it fails, the
entry is tried at nearby positions to tell an *edited* entry from one that was moved
(*reordered*, or shifted by an *inserted* or *deleted* row with renumbering). Gaps in
``seq`` are deletions; a broken ``prev_hash`` link with an intact entry is an insertion;
checkpoints past the end of the log mean it was *truncated*; checkpoint signatures are
checked with the Ed25519 public key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from reviewer.audit import GENESIS, AuditEntry, AuditLog

Damage = Literal["edited", "deleted", "inserted", "reordered", "truncated", "bad_signature"]
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


def verify(log: AuditLog) -> VerifyResult:
    problems: list[Problem] = []
    checkpoints = log.checkpoints()
    wanted = {cp["seq"] for cp in checkpoints}
    seen_hashes: dict[int, str] = {}
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
    anchored, unsigned = 0, 0
    for cp in checkpoints:
        if cp["seq"] > last_seq:
            if not any(p.kind == "truncated" for p in problems):
                problems.append(
                    Problem(
                        seq=last_seq + 1,
                        kind="truncated",
                        detail=f"the log ends at seq {last_seq} but checkpoint {cp['seq']} "
                        "anchors an entry after it",
                    )
                )
            continue
        if seen_hashes.get(cp["seq"]) != cp["hash"]:
            problems.append(
                Problem(
                    seq=cp["seq"],
                    kind="edited",
                    detail=f"the entry differs from checkpoint {cp['seq']}",
                )
            )
            continue
        if not cp["signature"]:
            unsigned += 1
        elif log.signer is None:
            continue
        elif not log.signer.verify(cp["seq"], cp["hash"], cp["at"], cp["signature"]):
            problems.append(
                Problem(
                    seq=cp["seq"],
                    kind="bad_signature",
                    detail=f"checkpoint {cp['seq']}'s signature does not verify",
                )
            )
        else:
            anchored = cp["seq"]
    problems.sort(key=lambda p: p.seq)
    note = None
    if log.signer is None:
        note = "no REVIEWER_AUDIT_SIGNING_KEY: checkpoints cannot be verified; nothing is anchored"
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
        signed=log.signer is not None,
        anchored_through=anchored,
        unanchored=max(last_seq - anchored, 0),
        note=note,
    )
