"""A persistent cache of per-blob facts (and remote blob contents), keyed by git blob SHA.

A blob's SHA names its bytes, so an entry never goes stale: a re-review after a push
parses only the blobs the push changed. One SQLite file in the user's cache directory
(``REVIEWER_TRACE_CACHE_DIR`` overrides it), shared safely by concurrent workers.

Facts are stored split: a *head* per blob (definitions, imports, bindings) and one row
per (blob, name) holding the refs of that name. Finding the callers of ``sympify`` in
700 files then reads 700 small heads and the ``sympify`` rows, not 300,000 refs, and
once every file of a tree is cached, "which files mention X" is an index lookup rather
than a ``git grep``.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import platformdirs

from reviewer.settings import load_settings
from subagents.tracing.encoding import Encoded, decode_head, refs_from_row
from subagents.tracing.facts import FACTS_VERSION, FileFacts, Ref

_BATCH = 500
Key = tuple[str, str]  # (blob SHA, language)


def default_cache_dir() -> Path:
    """``REVIEWER_TRACE_CACHE_DIR``, else the user's cache directory."""
    configured = load_settings().trace_cache_dir
    return configured or Path(platformdirs.user_cache_dir("pr-reviewer"))


def _chunks(items: list[str]) -> Iterator[tuple[list[str], str]]:
    for i in range(0, len(items), _BATCH):
        chunk = items[i : i + _BATCH]
        yield chunk, ",".join("?" * len(chunk))


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
            self._db.execute("DROP TABLE IF EXISTS facts")  # version 1: whole facts per blob
            self._db.execute("CREATE TABLE IF NOT EXISTS heads (key TEXT PRIMARY KEY, data TEXT)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS names (key TEXT, name TEXT, refs TEXT, "
                "PRIMARY KEY (key, name)) WITHOUT ROWID"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS names_by_name ON names (name)")
            self._db.execute("CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB)")
            self._db.commit()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(sha: str, language: str) -> str:
        return f"{sha}:{language}:{FACTS_VERSION}"

    def _select(self, sql: str, keys: list[str], extra: Sequence[str] = ()) -> list[Any]:
        """Rows of ``sql`` (with ``{keys}`` and optionally ``{extra}`` placeholders) over
        ``keys`` in chunks SQLite accepts."""
        rows: list[Any] = []
        marks_extra = ",".join("?" * len(extra))
        with self._lock:
            for chunk, marks in _chunks(keys):
                query = sql.format(keys=marks, extra=marks_extra)
                rows.extend(self._db.execute(query, [*chunk, *extra]).fetchall())
        return rows

    def get_heads(self, keys: Iterable[Key]) -> dict[Key, FileFacts]:
        """Cached heads (facts without refs) for the (sha, language) pairs that have them."""
        wanted = {self._key(sha, lang): (sha, lang) for sha, lang in keys}
        rows = self._select("SELECT key, data FROM heads WHERE key IN ({keys})", list(wanted))
        found = {wanted[key]: decode_head(data) for key, data in rows}
        self.hits += len(found)
        self.misses += len(wanted) - len(found)
        return found

    def get_many(self, keys: Iterable[Key]) -> dict[Key, FileFacts]:
        """Cached whole facts (head and every ref) for the pairs that have them."""
        heads = self.get_heads(keys)
        wanted = {self._key(sha, lang): (sha, lang) for sha, lang in heads}
        refs: dict[str, list[Ref]] = {key: [] for key in wanted}
        for key, name, text in self._select(
            "SELECT key, name, refs FROM names WHERE key IN ({keys})", list(wanted)
        ):
            refs[key].extend(refs_from_row(name, text))
        found = {}
        for key, pair in wanted.items():
            facts = heads[pair]
            facts.refs = sorted(refs[key], key=lambda r: (r.line, r.name))
            facts.has_refs = True
            found[pair] = facts
        return found

    def named_refs(self, wanted: dict[Key, set[str]]) -> dict[Key, list[Ref]]:
        """The refs named in each pair's set of names (empty where a blob has none)."""
        keys = {self._key(sha, lang): (sha, lang) for sha, lang in wanted}
        names = sorted(set().union(*wanted.values())) if wanted else []
        found: dict[Key, list[Ref]] = {pair: [] for pair in wanted}
        for key, name, text in self._select(
            "SELECT key, name, refs FROM names WHERE key IN ({keys}) AND name IN ({extra})",
            list(keys),
            names,
        ):
            pair = keys[key]
            if name in wanted[pair]:
                found[pair].extend(refs_from_row(name, text))
        return found

    def cached(self, keys: Iterable[Key]) -> set[Key]:
        """The pairs whose facts are in the cache."""
        wanted = {self._key(sha, lang): (sha, lang) for sha, lang in keys}
        rows = self._select("SELECT key FROM heads WHERE key IN ({keys})", list(wanted))
        return {wanted[key] for (key,) in rows}

    def mentioning(self, keys: Iterable[Key], names: list[str]) -> set[Key]:
        """The pairs whose facts mention any of ``names`` (a def, an import or a ref).

        Looked up by name, then kept if wanted: a few thousand rows, where probing every
        (key, name) pair of a large tree would be tens of thousands."""
        wanted = {self._key(sha, lang): (sha, lang) for sha, lang in keys}
        rows = self._select("SELECT key FROM names WHERE name IN ({keys})", list(names))
        return {wanted[key] for (key,) in rows if key in wanted}

    def put_many(self, items: Iterable[tuple[str, Encoded]]) -> None:
        """Store encoded facts by blob SHA (rows as the workers made them, not re-encoded)."""
        heads: list[tuple[str, str]] = []
        names: list[tuple[str, str, str]] = []
        for sha, encoded in items:
            key = self._key(sha, encoded.language)
            heads.append((key, encoded.head))
            names.extend((key, name, text) for name, text in encoded.rows.items())
        if not heads:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO heads VALUES (?, ?)", heads)
            self._db.executemany("INSERT OR REPLACE INTO names VALUES (?, ?, ?)", names)
            self._db.commit()

    def get_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, bytes] = {}
        for sha, data in self._select("SELECT sha, data FROM blobs WHERE sha IN ({keys})", wanted):
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
