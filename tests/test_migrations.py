"""Opening a database that is already at the newest schema skips Alembic (a third of a
second of imports per CLI command); anything else still runs the migrations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from alembic.config import Config
from alembic.script import ScriptDirectory

from reviewer.store.db import MIGRATIONS, _at_head, _head_revision, make_engine, open_database


def test_head_read_from_the_files_is_alembics_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert _head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def test_a_current_database_opens_without_importing_alembic(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    open_database(url).dispose()  # a fresh file: migrated by Alembic
    probe = (
        "import sys; from reviewer.store.db import open_database; "
        f"open_database({url!r}).dispose(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_older_or_unknown_schema_is_migrated(tmp_path) -> None:
    path = tmp_path / "r.db"
    open_database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'someone-elses'")
    assert not _at_head(make_engine(f"sqlite:///{path}"))
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert not _at_head(empty)
    open_database(f"sqlite:///{tmp_path / 'empty.db'}").dispose()
    assert _at_head(empty)
