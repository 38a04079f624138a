"""The auditors' log: append-only, hash-chained, anchored by signed checkpoints.

``hash = sha256(prev_hash || canonical_json(entry without hash))`` with the canonical JSON
rules of ARCHITECTURE.md. Appends are serialised (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a
row lock on the one-row ``audit_head``), so concurrent workers can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert, select, update

from reviewer.store.audit_tables import audit_checkpoints, audit_entries, audit_head
from reviewer.store.db import reading

if TYPE_CHECKING:  # cryptography loads only where a signing key is configured
    from reviewer.audit.signing import CheckpointSigner

GENESIS = "0" * 64
_col, _head = audit_entries.c, audit_head.c  # column namespaces of the two tables
AuditKind = Literal[
    "opened", "decision", "review", "override", "merged", "reverted", "feedback", "config"
]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Any) -> Any:
    """Reduce to JSON types the canonical form allows; floats are refused on purpose."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON; use a decimal string")
    raise TypeError(f"cannot put {type(value).__name__} into canonical JSON")


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no insignificant whitespace, UTF-8, no floats."""
    return json.dumps(
        _plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


class AuditEntry(BaseModel):
    seq: int
    at: str
    kind: AuditKind
    installation_id: int | None = None
    repo: str
    pr: int | None = None
    head_sha: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str

    def compute_hash(self) -> str:
        body = self.model_dump(exclude={"hash"})
        return hashlib.sha256(self.prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def _entry(row: Any) -> AuditEntry:
    data = dict(row._mapping)
    data["payload"] = json.loads(data["payload"])
    return AuditEntry.model_validate(data)


class AuditLog:
    """Append and query the chain in one database; ``verify`` lives in ``audit_verify``."""

    def __init__(
        self,
        engine: Engine,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int = 100,
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.checkpoint_every = checkpoint_every

    def append(
        self,
        kind: AuditKind,
        repo: str,
        payload: dict[str, Any],
        *,
        pr: int | None = None,
        head_sha: str | None = None,
        installation_id: int | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        payload = json.loads(canonical_json(payload))
        with self.engine.begin() as conn:
            head = conn.execute(
                select(_head.seq, _head.hash).where(_head.id == 1).with_for_update()
            ).one()
            entry = AuditEntry(
                seq=head.seq + 1,
                at=rfc3339(at or datetime.now(UTC)),
                kind=kind,
                installation_id=installation_id,
                repo=repo,
                pr=pr,
                head_sha=head_sha,
                payload=payload,
                prev_hash=head.hash,
                hash="",
            )
            entry = entry.model_copy(update={"hash": entry.compute_hash()})
            conn.execute(
                insert(audit_entries).values(
                    **entry.model_dump(exclude={"payload"}),
                    payload=canonical_json(entry.payload).decode("utf-8"),
                )
            )
            conn.execute(
                update(audit_head).where(_head.id == 1).values(seq=entry.seq, hash=entry.hash)
            )
            if entry.seq % self.checkpoint_every == 0:
                signature = self.signer.sign(entry.seq, entry.hash, entry.at) if self.signer else ""
                conn.execute(
                    insert(audit_checkpoints).values(
                        seq=entry.seq, hash=entry.hash, at=entry.at, signature=signature
                    )
                )
        return entry

    def checkpoint_now(self) -> int | None:
        """Checkpoint the chain head unless it already is one (called on every shutdown,
        so a stopped service leaves no unanchored tail); returns the seq checkpointed."""
        with self.engine.begin() as conn:
            head = conn.execute(
                select(_head.seq, _head.hash).where(_head.id == 1).with_for_update()
            ).one()
            done = conn.execute(
                select(audit_checkpoints.c.seq).where(audit_checkpoints.c.seq == head.seq)
            ).first()
            if head.seq == 0 or done is not None:
                return None
            at = rfc3339(datetime.now(UTC))
            signature = self.signer.sign(head.seq, head.hash, at) if self.signer else ""
            conn.execute(
                insert(audit_checkpoints).values(
                    seq=head.seq, hash=head.hash, at=at, signature=signature
                )
            )
        return int(head.seq)

    def entries(
        self,
        *,
        repo: str | None = None,
        pr: int | None = None,
        kind: str | None = None,
        verdict: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> Iterator[AuditEntry]:
        """Entries in chain order matching every filter given."""
        query = select(audit_entries).where(_col.seq > after_seq).order_by(_col.seq)
        if repo is not None:
            query = query.where(_col.repo == repo)
        if pr is not None:
            query = query.where(_col.pr == pr)
        if kind is not None:
            query = query.where(_col.kind == kind)
        if verdict is not None:
            # Canonical JSON has no whitespace and escapes quotes inside strings, so this
            # substring only matches the top-level "verdict" key's value.
            query = query.where(_col.payload.contains(f'"verdict":{json.dumps(verdict)}'))
        if since is not None:
            query = query.where(_col.at >= rfc3339(since))
        if until is not None:
            query = query.where(_col.at < rfc3339(until))
        if limit is not None:
            query = query.limit(limit)
        with reading(self.engine) as conn:
            for row in conn.execute(query):
                yield _entry(row)

    def get(self, seq: int) -> AuditEntry | None:
        found = next(self.entries(after_seq=seq - 1, limit=1), None) if seq > 0 else None
        return found if found is not None and found.seq == seq else None

    def checkpoints(self) -> list[dict[str, Any]]:
        with reading(self.engine) as conn:
            rows = conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq))
            return [dict(row._mapping) for row in rows]

    def head(self) -> tuple[int, str]:
        with reading(self.engine) as conn:
            row = conn.execute(select(_head.seq, _head.hash)).one()
        return int(row.seq), str(row.hash)
