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
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import platformdirs

from subagents.tracing.encoding import Encoded, decode_head, refs_from_row
from subagents.tracing.facts import FACTS_VERSION, FileFacts, Ref
from subagents.tracing.settings import trace_settings

_BATCH = 500
SCHEMA = 3  # PRAGMA user_version of the layout below
Key = tuple[str, str]  # (blob SHA, language)


def _chunks(items: list[str]) -> Iterator[tuple[list[str], str]]:
    for i in range(0, len(items), _BATCH):
        chunk = items[i : i + _BATCH]
        yield chunk, ",".join("?" * len(chunk))


class FactCache:
    """Facts by (blob SHA, language), and compressed blob contents for remote sources.

    Bounded: past ``max_bytes`` (``REVIEWER_TRACE_CACHE_MAX_MB``) the oldest tenth of
    entries is dropped, as often as needed; a dropped blob is parsed again when next asked.
    """

    def __init__(self, directory: str | Path | None = None, max_bytes: int | None = None) -> None:
        settings = trace_settings()
        folder = Path(directory or settings.cache_dir or platformdirs.user_cache_dir("pr-reviewer"))
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "tracing.sqlite3"
        self.max_bytes = max_bytes if max_bytes is not None else settings.cache_max_mb * 2**20
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        self.hits = 0
        self.misses = 0
        self.evicted = 0

    def _migrate(self) -> None:
        """Create the tables; a cache of another layout is dropped (it is only a cache)."""
        self._db.execute("BEGIN IMMEDIATE")
        if self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
            for table in ("facts", "heads", "names", "blobs"):
                self._db.execute(f"DROP TABLE IF EXISTS {table}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA}")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS heads (key TEXT PRIMARY KEY, data TEXT, added REAL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS names (key TEXT, name TEXT, refs TEXT, "
            "PRIMARY KEY (key, name)) WITHOUT ROWID"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS names_by_name ON names (name)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB, added REAL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS heads_by_age ON heads (added)")
        self._db.execute("CREATE INDEX IF NOT EXISTS blobs_by_age ON blobs (added)")
        self._db.commit()

    def used_bytes(self) -> int:
        """Bytes the cache's live pages take (freed pages are reused, not counted)."""
        size, pages, free = (
            self._db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_size", "page_count", "freelist_count")
        )
        return int(size * (pages - free))

    def _prune(self) -> None:
        """Drop the oldest tenth of heads (with their name rows) and of blobs until the
        cache fits ``max_bytes``; called with the lock held, after a write."""
        while self.used_bytes() > self.max_bytes:
            dropped = 0
            for table, column in (("heads", "key"), ("blobs", "sha")):
                total = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                old = [
                    key
                    for (key,) in self._db.execute(
                        f"SELECT {column} FROM {table} ORDER BY added LIMIT ?",
                        (max(total // 10, 1) if total else 0,),
                    )
                ]
                for chunk, marks in _chunks(old):
                    if table == "heads":
                        self._db.execute(f"DELETE FROM names WHERE key IN ({marks})", chunk)
                    self._db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
                dropped += len(old)
            self._db.commit()
            self.evicted += dropped
            if not dropped:
                return

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
        now = time.time()
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO heads VALUES (?, ?, ?)", [(*h, now) for h in heads]
            )
            self._db.executemany("INSERT OR REPLACE INTO names VALUES (?, ?, ?)", names)
            self._db.commit()
            self._prune()

    def get_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, bytes] = {}
        for sha, data in self._select("SELECT sha, data FROM blobs WHERE sha IN ({keys})", wanted):
            found[sha] = zlib.decompress(data)
        return found

    def put_blobs(self, blobs: dict[str, bytes]) -> None:
        if not blobs:
            return
        now = time.time()
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)",
                [(sha, zlib.compress(data, 3), now) for sha, data in blobs.items()],
            )
            self._db.commit()
            self._prune()

    def close(self) -> None:
        with self._lock:
            self._db.close()
