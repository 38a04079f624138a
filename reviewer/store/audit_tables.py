"""The audit chain's tables, as SQLAlchemy Core tables.

Core, not the ORM: every ``reviewer review`` appends its decision here, and importing the
ORM costs about a tenth of a second of a local review that should take one.
``reviewer.store.models`` declares its ORM classes on the same ``metadata``, so Alembic
and the reports see one schema.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("kind", String(16), nullable=False, index=True),
    Column("installation_id", Integer),
    Column("repo", String(200), nullable=False, index=True),
    Column("pr", Integer),
    Column("head_sha", String(64)),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
"""One hash-chained entry per row; never updated or deleted by the application."""

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
"""One row: the chain's tip. Locking it serialises appends across workers."""

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("signature", String(128), nullable=False),
)
"""A signed (seq, hash, time) that anchors the chain up to ``seq``."""
