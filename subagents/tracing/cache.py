"""A persistent cache of per-blob facts (and remote blob contents), keyed by git blob SHA.

A blob's SHA names its bytes, so an entry never goes stale: a re-review after a push
parses only the blobs the push changed. One SQLite file in the user's cache directory
(``REVIEWER_TRACE_CACHE_DIR`` overrides it), shared safely by concurrent workers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from subagents.tracing.facts import FACTS_VERSION, FileFacts

CACHE_ENV = "REVIEWER_TRACE_CACHE_DIR"
_BATCH = 500


def default_cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("pr-reviewer"))


class FactCache:
    """Facts by (blob SHA, language), and compressed blob contents for remote sources."""

    def __init__(self, directory: str | Path | None = None) -> None:
        folder = Path(directory) if directory is not None else default_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "tracing.sqlite3"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, data TEXT)")
            self._db.execute("CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB)")
            self._db.commit()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(sha: str, language: str) -> str:
        return f"{sha}:{language}:{FACTS_VERSION}"

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], FileFacts]:
        """Cached facts for the (sha, language) pairs that have them."""
        wanted = {self._key(sha, lang): (sha, lang) for sha, lang in keys}
        found: dict[tuple[str, str], FileFacts] = {}
        names = list(wanted)
        with self._lock:
            for i in range(0, len(names), _BATCH):
                chunk = names[i : i + _BATCH]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, data FROM facts WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, data in rows:
                    found[wanted[key]] = FileFacts.from_json(data)
        self.hits += len(found)
        self.misses += len(wanted) - len(found)
        return found

    def put_many(self, items: Iterable[tuple[str, FileFacts]]) -> None:
        rows = [(self._key(sha, facts.language), facts.to_json()) for sha, facts in items]
        if not rows:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?)", rows)
            self._db.commit()

    def get_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, bytes] = {}
        with self._lock:
            for i in range(0, len(wanted), _BATCH):
                chunk = wanted[i : i + _BATCH]
                marks = ",".join("?" * len(chunk))
                for sha, data in self._db.execute(
                    f"SELECT sha, data FROM blobs WHERE sha IN ({marks})", chunk
                ):
                    found[sha] = zlib.decompress(data)
        return found

    def put_blobs(self, blobs: dict[str, bytes]) -> None:
        if not blobs:
            return
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO blobs VALUES (?, ?)",
                [(sha, zlib.compress(data, 3)) for sha, data in blobs.items()],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
