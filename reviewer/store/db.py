"""Engine setup and schema migration. SQLite is the embedded default; PostgreSQL scales out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from reviewer.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_setup(engine: Engine) -> None:
    """WAL + busy timeout for many processes, and BEGIN IMMEDIATE so that every
    transaction takes the write lock up front: claims and audit appends serialise
    instead of failing with 'database is locked' on lock upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their directory created.

    ``hide_parameters``: bound values (PR text, bodies with keys) never reach an error
    message, so a failed statement cannot leak them into a log.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigError(f"REVIEWER_DATABASE_URL: not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)
        _sqlite_setup(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    raise ConfigError(f"REVIEWER_DATABASE_URL: unsupported database {backend!r}")


_REVISION = re.compile(r"^(down_)?revision\b[^=\n]*=\s*(?:None|[\"']([^\"']+)[\"'])", re.M)


def _head_revision() -> str | None:
    """The newest revision of the migration files (the one no other revises), read as
    text: Alembic itself takes a third of a second to import. ``None`` when unsure."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text()):
            (revised if down else revisions).add(value)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """True when the database already carries the newest revision; any doubt is False."""
    head = _head_revision()
    if head is None:
        return False
    try:
        with reading(engine) as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return list(current) == [head]
    except Exception:
        return False


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent, safe on every start).
    A database already at the newest revision costs one query instead of an Alembic run."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only connection: on SQLite a deferred transaction, so reads in WAL mode
    neither take nor wait for the write lock."""
    with engine.connect() as conn:
        yield conn.execution_options(read_only=True)
