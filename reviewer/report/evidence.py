"""A pull request's evidence pack: every audit entry for it, in chain order, each checked
against the chain on its own.

For each entry the pack recomputes its hash, checks that it links to its neighbours
(``prev_hash`` of the entry itself and of the one after it), and, when a checkpoint follows
it, recomputes the chain from the entry up to that checkpoint and checks the checkpoint's
hash and signature. So one PR's record can be verified without reading the whole log, and
an auditor can keep the pack (JSON or HTML) as the change's evidence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from reviewer.audit.log import GENESIS, AuditEntry, AuditLog
from reviewer.errors import ReviewerError

_REF = re.compile(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#([0-9]{1,9})$")


class BadReference(ReviewerError):
    """A PR reference that is not ``OWNER/REPO#N``."""


def parse_ref(ref: str) -> tuple[str, int]:
    found = _REF.match(ref.strip())
    if found is None:
        raise BadReference(f"not a pull request reference: {ref!r}; write it as OWNER/REPO#N")
    return found.group(1), int(found.group(2))


class Anchor(BaseModel):
    """The first checkpoint at or after an entry, and whether the chain reaches it intact."""

    checkpoint_seq: int
    signed: bool
    signature_ok: bool | None  # None: signed, but no key here to check it with
    chain_ok: bool


class EvidenceEntry(BaseModel):
    entry: AuditEntry
    hash_ok: bool
    linked: bool
    anchor: Anchor | None
    problem: str | None = None


class EvidencePack(BaseModel):
    repo: str
    pr: int
    generated_at: datetime
    head_seq: int
    head_hash: str
    verified: bool
    entries: list[EvidenceEntry]


class _Checker:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self.head_seq, self.head_hash = audit.head()
        self.checkpoints = audit.checkpoints()

    def linked(self, entry: AuditEntry) -> bool:
        before = self.audit.get(entry.seq - 1) if entry.seq > 1 else None
        expected_prev = before.hash if before is not None else GENESIS
        if entry.seq > 1 and before is None:
            return False
        after = self.audit.get(entry.seq + 1)
        if after is None:
            return entry.prev_hash == expected_prev and (entry.seq, entry.hash) == (
                self.head_seq,
                self.head_hash,
            )
        return entry.prev_hash == expected_prev and after.prev_hash == entry.hash

    def _walk(self, start: int, stop: int) -> tuple[bool, str]:
        """Recompute entries ``start..stop``; (intact, hash of ``stop``)."""
        prev: str | None = None
        last = ""
        expected = start
        for entry in self.audit.entries(after_seq=start - 1, limit=stop - start + 1):
            if entry.seq != expected or entry.compute_hash() != entry.hash:
                return False, entry.hash
            if prev is not None and entry.prev_hash != prev:
                return False, entry.hash
            prev, last, expected = entry.hash, entry.hash, expected + 1
        return expected == stop + 1, last

    def anchor(self, seq: int) -> Anchor | None:
        cp = next((c for c in self.checkpoints if c["seq"] >= seq), None)
        if cp is None:
            return None
        intact, last = self._walk(seq, int(cp["seq"]))
        signature_ok: bool | None = None
        if cp["signature"] and self.audit.signer is not None:
            signature_ok = self.audit.signer.verify(
                cp["seq"], cp["hash"], cp["at"], cp["signature"]
            )
        return Anchor(
            checkpoint_seq=cp["seq"],
            signed=bool(cp["signature"]),
            signature_ok=signature_ok,
            chain_ok=intact and last == cp["hash"],
        )


def evidence_pack(audit: AuditLog, repo: str, pr: int, now: datetime | None = None) -> EvidencePack:
    """Every entry of ``repo#pr`` with its checks; ``verified`` when all of them hold."""
    checker = _Checker(audit)
    checked = []
    for entry in audit.entries(repo=repo, pr=pr):
        hash_ok = entry.compute_hash() == entry.hash
        linked = checker.linked(entry)
        anchor = checker.anchor(entry.seq)
        problem = None
        if not hash_ok:
            problem = "the entry's content does not match its hash (edited)"
        elif not linked:
            problem = "the entry does not link to its neighbours (inserted, deleted or moved)"
        elif anchor is not None and not anchor.chain_ok:
            problem = f"the chain from here to checkpoint {anchor.checkpoint_seq} does not match it"
        elif anchor is not None and anchor.signature_ok is False:
            problem = f"checkpoint {anchor.checkpoint_seq}'s signature does not verify"
        checked.append(
            EvidenceEntry(
                entry=entry, hash_ok=hash_ok, linked=linked, anchor=anchor, problem=problem
            )
        )
    return EvidencePack(
        repo=repo,
        pr=pr,
        generated_at=now or datetime.now(UTC),
        head_seq=checker.head_seq,
        head_hash=checker.head_hash,
        verified=bool(checked) and all(c.problem is None for c in checked),
        entries=checked,
    )


def summary(entry: AuditEntry) -> dict[str, Any]:
    """The facts of one entry an auditor reads first (the page shows the rest on demand)."""
    p = entry.payload
    if entry.kind == "decision":
        return {
            "verdict": p.get("verdict"),
            "check": p.get("check_conclusion"),
            "author_type": p.get("author_type"),
            "cost_usd": (p.get("usage") or {}).get("cost_usd"),
            "policy_sha256": p.get("policy_sha256"),
            "guidance_sha256": p.get("guidance_sha256"),
        }
    keep = {
        "opened": ("created_at", "author", "author_type"),
        "review": ("by", "state", "at_head", "submitted_at"),
        "merged": ("merged_at", "merged_by", "verdict", "merge_commit_sha"),
        "reverted": ("reverted_at", "reverted_by_pr", "reverted_by_url", "reverted_by"),
        "override": ("action", "by", "check_conclusion"),
    }.get(entry.kind, tuple(sorted(p))[:6])
    return {key: p.get(key) for key in keep}
