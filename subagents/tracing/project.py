"""The tracer's view of one tree: facts on demand, from the cache or parsed, with skips counted.

Files are read and parsed only when the tracer asks for them (candidates, the modules an
import names, base classes), never the whole tree unless no search is available. Large
cold batches are parsed in worker processes; facts are kept in memory only for files
asked for, so memory grows with the candidates, not the repository.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from subagents.tracing.cache import FactCache
from subagents.tracing.facts import MAX_FILE_BYTES, FileFacts, extract, skipped
from subagents.tracing.languages import language_for
from subagents.tracing.modules import ModuleMap
from subagents.tracing.source import SUBMODULE, SYMLINK, TreeEntry, TreeSource, blob_sha

PARALLEL_FROM = 64
MAX_FETCH = 3000
_CHUNK = 400


def _extract_many(items: list[tuple[str, bytes]]) -> list[FileFacts]:
    return [extract(language, data) for language, data in items]


def _extract_json(items: list[tuple[str, bytes]]) -> list[str]:
    """In a worker: JSON crosses the process boundary several times faster than pickles."""
    return [extract(language, data).to_json() for language, data in items]


class Project:
    def __init__(
        self,
        source: TreeSource,
        cache: FactCache | None = None,
        *,
        workers: int | None = None,
        max_fetch: int = MAX_FETCH,
    ) -> None:
        self.source = source
        self.cache = cache
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.max_fetch = max_fetch
        self.entries = {e.path: e for e in source.entries()}
        self.modules = ModuleMap(list(self.entries))
        self.memo: dict[str, FileFacts] = {}
        self.skipped: dict[str, str] = {}
        self.omitted: Counter[str] = Counter()
        self.name_index: dict[str, dict[str, str]] = {}  # family -> path -> " names "
        self.parsed = 0
        self.fetched = 0
        self.deadline: float | None = None  # monotonic; set by the caller of a trace
        self.focus: tuple[str, ...] = ()  # the changed paths, for ranking what to read

    def out_of_time(self) -> bool:
        """Past the trace's time budget: callers stop reading more candidate files."""
        return self.deadline is not None and time.monotonic() > self.deadline

    def family_files(self, family: str) -> list[str]:
        return [p for p, f in self.modules.files.items() if f == family]

    def refusal(self, entry: TreeEntry) -> str | None:
        """Why a tree entry cannot be traced, before reading it."""
        if entry.mode == SYMLINK:
            return "symlink"
        if entry.mode == SUBMODULE:
            return "submodule"
        if language_for(entry.path) is None:
            return "unsupported language"
        if entry.size > MAX_FILE_BYTES:
            return "oversized"
        return None

    def facts(self, path: str) -> FileFacts | None:
        return self.load([path]).get(path)

    def load(self, paths: Iterable[str], *, keep: bool = True) -> dict[str, FileFacts]:
        """Facts of ``paths`` that could be traced; the rest land in ``skipped``."""
        result: dict[str, FileFacts] = {}
        todo: list[TreeEntry] = []
        for path in dict.fromkeys(paths):
            if path in self.memo:
                result[path] = self.memo[path]
                continue
            if path in self.skipped:
                continue
            entry = self.entries.get(path)
            if entry is None:
                continue
            reason = self.refusal(entry)
            if reason:
                self.skipped[path] = reason
            else:
                todo.append(entry)
        if todo:
            loaded = self._load_entries(todo)
            for path, facts in loaded.items():
                if facts.skip:
                    self.skipped[path] = facts.skip
                    continue
                result[path] = facts
                if keep:
                    self.memo[path] = facts
        return result

    def _load_entries(self, entries: list[TreeEntry]) -> dict[str, FileFacts]:
        lang = {e.path: language_for(e.path).name for e in entries}  # type: ignore[union-attr]
        found: dict[str, FileFacts] = {}
        if self.cache is not None and all(e.sha for e in entries):
            hits = self.cache.get_many((e.sha, lang[e.path]) for e in entries)
            for e in entries:
                if (e.sha, lang[e.path]) in hits:
                    found[e.path] = hits[(e.sha, lang[e.path])]
        missing = [e for e in entries if e.path not in found]
        if not missing:
            return found
        contents = self._read(missing)
        shas = {e.path: e.sha or blob_sha(contents.get(e.path, b"")) for e in missing}
        readable = [e for e in missing if e.path in contents]
        for e in missing:
            if e.path not in contents:
                found[e.path] = skipped(lang[e.path], "not read (fetch limit)")
        if self.cache is not None and any(not e.sha for e in readable):
            hits = self.cache.get_many((shas[e.path], lang[e.path]) for e in readable)
            for e in readable:
                if (shas[e.path], lang[e.path]) in hits:
                    found[e.path] = hits[(shas[e.path], lang[e.path])]
            readable = [e for e in readable if e.path not in found]
        parsed = self._parse([(lang[e.path], contents[e.path]) for e in readable])
        self.parsed += len(readable)
        fresh = dict(zip((e.path for e in readable), parsed, strict=True))
        if self.cache is not None:
            self.cache.put_many((shas[p], f) for p, f in fresh.items())
        found.update(fresh)
        return found

    def _read(self, entries: list[TreeEntry]) -> dict[str, bytes]:
        if not self.source.remote:
            return self.source.read(entries)
        stored = self.cache.get_blobs(e.sha for e in entries) if self.cache else {}
        contents = {e.path: stored[e.sha] for e in entries if e.sha in stored}
        wanted = [e for e in entries if e.path not in contents]
        allowed = max(self.max_fetch - self.fetched, 0)
        if len(wanted) > allowed:
            self.omitted["fetch limit"] += len(wanted) - allowed
            wanted = wanted[:allowed]
        fetched = self.source.read(wanted)
        self.fetched += len(fetched)
        if self.cache is not None:
            self.cache.put_blobs({e.sha: fetched[e.path] for e in wanted if e.path in fetched})
        contents.update(fetched)
        return contents

    def _parse(self, items: list[tuple[str, bytes]]) -> list[FileFacts]:
        if len(items) < PARALLEL_FROM or self.workers < 2:
            return _extract_many(items)
        chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
        if len(chunks) < self.workers:
            size = -(-len(items) // self.workers)
            chunks = [items[i : i + size] for i in range(0, len(items), size)]
        context = multiprocessing.get_context("forkserver")
        try:
            with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
                return [
                    FileFacts.from_json(text)
                    for chunk in pool.map(_extract_json, chunks)
                    for text in chunk
                ]
        except (BrokenProcessPool, OSError, RuntimeError):
            # No worker processes here (a sandbox, an unguarded __main__): parse in process.
            self.omitted["parsed without worker processes"] += 1
            return _extract_many(items)

    def lines(self, path: str, wanted: set[int]) -> dict[int, str]:
        """Source lines of ``path`` for rendering (read again: contents are not kept)."""
        entry = self.entries.get(path)
        if entry is None or not wanted:
            return {}
        data = self._read([entry]).get(path, b"")
        text = data.decode("utf-8", "replace").split("\n")
        return {n: text[n - 1].rstrip() for n in sorted(wanted) if 0 < n <= len(text)}
