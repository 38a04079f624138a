"""The auditors' log: append-only, hash-chained, anchored by signed checkpoints.

``hash = sha256(prev_hash || canonical_json(entry without hash))`` with the canonical JSON
rules of ARCHITECTURE.md. Appends are serialised (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a
row lock on the one-row ``audit_head``), so concurrent workers can never fork the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert, select, update

from reviewer.store.models import AuditCheckpoint, AuditHead, AuditRow

GENESIS = "0" * 64
AuditKind = Literal["decision", "override", "merged", "reverted", "feedback", "config"]


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


class VerifyResult(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    problems: list[str] = Field(default_factory=list)
    first_bad_seq: int | None = None
    anchored_through: int = 0
    unanchored: int = 0


def _entry(row: Any) -> AuditEntry:
    data = dict(row._mapping)
    data["payload"] = json.loads(data["payload"])
    return AuditEntry.model_validate(data)


class AuditLog:
    """Append, verify, query and export the chain in one database."""

    def __init__(
        self, engine: Engine, signing_key: str | None = None, checkpoint_every: int = 100
    ) -> None:
        self.engine = engine
        self.signing_key = signing_key.encode("utf-8") if signing_key else None
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
                select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
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
                insert(AuditRow).values(
                    **entry.model_dump(exclude={"payload"}),
                    payload=canonical_json(entry.payload).decode("utf-8"),
                )
            )
            conn.execute(
                update(AuditHead).where(AuditHead.id == 1).values(seq=entry.seq, hash=entry.hash)
            )
            if self.signing_key and entry.seq % self.checkpoint_every == 0:
                conn.execute(
                    insert(AuditCheckpoint).values(
                        seq=entry.seq,
                        hash=entry.hash,
                        at=entry.at,
                        signature=self._sign(entry.seq, entry.hash, entry.at),
                    )
                )
        return entry

    def _sign(self, seq: int, digest: str, at: str) -> str:
        assert self.signing_key is not None
        message = f"{seq}:{digest}:{at}".encode("ascii")
        return hmac.new(self.signing_key, message, hashlib.sha256).hexdigest()

    def entries(
        self,
        *,
        repo: str | None = None,
        pr: int | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> Iterator[AuditEntry]:
        query = select(AuditRow.__table__).where(AuditRow.seq > after_seq).order_by(AuditRow.seq)
        if repo is not None:
            query = query.where(AuditRow.repo == repo)
        if pr is not None:
            query = query.where(AuditRow.pr == pr)
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        if since is not None:
            query = query.where(AuditRow.at >= rfc3339(since))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield _entry(row)

    def verify(self) -> VerifyResult:
        """Walk the whole chain; name the first entry that was changed, removed or inserted."""
        problems: list[str] = []
        first_bad: int | None = None
        prev, expected_seq, count = GENESIS, 1, 0
        hashes: dict[int, str] = {}
        for entry in self.entries():
            count += 1
            issue = None
            if entry.seq != expected_seq:
                issue = (
                    f"seq {entry.seq}: expected seq {expected_seq} (entries removed or inserted)"
                )
            elif entry.prev_hash != prev:
                issue = f"seq {entry.seq}: prev_hash does not match the previous entry's hash"
            elif entry.compute_hash() != entry.hash:
                issue = f"seq {entry.seq}: content does not match its hash (entry was changed)"
            if issue:
                problems.append(issue)
                first_bad = entry.seq if first_bad is None else first_bad
            hashes[entry.seq] = entry.hash
            prev, expected_seq = entry.hash, entry.seq + 1
        with self.engine.connect() as conn:
            head = conn.execute(select(AuditHead.seq, AuditHead.hash)).one()
            checkpoints = conn.execute(
                select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.seq)
            ).all()
        last_seq = expected_seq - 1
        if (head.seq, head.hash) != (last_seq, prev):
            problems.append(
                f"chain head says seq {head.seq} but the log ends at seq {last_seq} "
                "(newest entries removed or head tampered)"
            )
        anchored = 0
        for cp in checkpoints:
            if self.signing_key is None:
                break
            if not hmac.compare_digest(cp.signature, self._sign(cp.seq, cp.hash, cp.at)):
                problems.append(f"checkpoint {cp.seq}: signature does not verify")
            elif hashes.get(cp.seq) != cp.hash:
                problems.append(f"checkpoint {cp.seq}: the log's entry differs or is missing")
            else:
                anchored = cp.seq
        return VerifyResult(
            ok=not problems,
            entries=count,
            head_seq=head.seq,
            problems=problems,
            first_bad_seq=first_bad,
            anchored_through=anchored,
            unanchored=max(last_seq - anchored, 0),
        )
