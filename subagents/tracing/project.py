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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from subagents.tracing.cache import FactCache
from subagents.tracing.encoding import Encoded, decode, encode
from subagents.tracing.facts import FileFacts, extract, skipped
from subagents.tracing.languages import language_for
from subagents.tracing.modules import ModuleMap
from subagents.tracing.refusal import MAX_FILE_BYTES
from subagents.tracing.roots import config_paths
from subagents.tracing.source import SUBMODULE, SYMLINK, TreeEntry, TreeSource, blob_sha

PARALLEL_FROM = 64
MAX_FETCH = 3000


def _extract_many(items: list[tuple[str, bytes]]) -> list[FileFacts]:
    return [extract(language, data) for language, data in items]


def _encode_many(items: list[tuple[str, bytes]]) -> list[Encoded]:
    """In a worker: facts go back as cache rows, which the parent stores without decoding
    and decodes only as far as the trace reads them."""
    return [encode(extract(language, data)) for language, data in items]


class Project:
    def __init__(
        self,
        source: TreeSource,
        cache: FactCache | None = None,
        *,
        workers: int | None = None,
        max_fetch: int = MAX_FETCH,
        prefetch: Iterable[str] = (),
    ) -> None:
        """``prefetch``: paths the caller reads next (a change's files), read in one batch
        with the project configuration files the module map needs."""
        self.source = source
        self.cache = cache
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.max_fetch = max_fetch
        self.entries = {e.path: e for e in source.entries()}
        self.omitted: Counter[str] = Counter()
        if getattr(source, "truncated", False):  # callers in the unlisted part are not seen
            self.omitted["tree truncated by GitHub (files past its listing not traced)"] += 1
        self.fetched = 0
        self._prefetched: dict[str, bytes] = {}
        self.modules = self._module_map(prefetch)
        self.memo: dict[str, FileFacts] = {}  # whole facts
        self.head_memo: dict[str, FileFacts] = {}  # facts without refs
        self.cached_paths: set[str] = set()  # known to have facts in the cache
        self.skipped: dict[str, str] = {}
        self.name_index: dict[str, dict[str, str]] = {}  # family -> path -> " names "
        self.shares: dict[str, list[str]] = {}  # family -> files a remote source indexes
        self.parsed = 0
        self.from_cache = 0  # files whose facts the cache served
        self.deadline: float | None = None  # monotonic; set by the caller of a trace
        self.focus: tuple[str, ...] = ()  # the changed paths, for ranking what to read
        self._pool: ProcessPoolExecutor | None = None
        self._no_pool = False

    def _module_map(self, prefetch: Iterable[str]) -> ModuleMap:
        """The module map, with the import roots the tree's configuration files declare."""
        configs, over = config_paths(self.entries)
        if over:
            self.omitted["project configuration files over the limit"] += over
        wanted = [self.entries[p] for p in configs if self.entries[p].size <= MAX_FILE_BYTES]
        if wanted:  # batch the change's files with them, unless their facts are cached
            later = [self.entries[p] for p in prefetch if p in self.entries]
            later = [e for e in later if not self.refusal(e)]
            keys = {(e.sha, language_for(e.path).name) for e in later if e.sha}  # type: ignore[union-attr]
            cached = self.cache.cached(keys) if self.cache is not None and keys else set()
            wanted += [e for e in later if (e.sha, language_for(e.path).name) not in cached]  # type: ignore[union-attr]
        contents = self._read(wanted)
        modules = ModuleMap(list(self.entries), {p: contents[p] for p in configs if p in contents})
        if modules.unreadable_configs:
            self.omitted["unreadable project configuration files"] += len(
                modules.unreadable_configs
            )
        self._prefetched = {p: data for p, data in contents.items() if p not in configs}
        return modules

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def out_of_time(self, needed: float = 0.0) -> bool:
        """Past the trace's time budget, or would be after ``needed`` more seconds: callers
        stop reading candidate files rather than overrun it."""
        return self.deadline is not None and time.monotonic() + needed > self.deadline

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
        """Whole facts of one file (kept in memory: the changed files and the frontier)."""
        return self.load([path]).get(path)

    def head(self, path: str) -> FileFacts | None:
        """Defs, imports and bindings of one file: what resolving a name there needs."""
        return self.heads([path]).get(path)

    def _todo(
        self, paths: Iterable[str], known: Callable[[str], FileFacts | None]
    ) -> tuple[dict[str, FileFacts], list[TreeEntry]]:
        """Facts already at hand, and the tree entries that still have to be loaded."""
        result: dict[str, FileFacts] = {}
        todo: list[TreeEntry] = []
        for path in dict.fromkeys(paths):
            have = known(path)
            if have is not None:
                result[path] = have
                continue
            entry = self.entries.get(path)
            if path in self.skipped or entry is None:
                continue
            reason = self.refusal(entry)
            if reason:
                self.skipped[path] = reason
            else:
                todo.append(entry)
        return result, todo

    def load(self, paths: Iterable[str], *, keep: bool = True) -> dict[str, FileFacts]:
        """Whole facts of ``paths`` that could be traced; the rest land in ``skipped``."""
        result, todo = self._todo(paths, self.memo.get)
        for path, facts in self._load_entries(todo).items():
            if self._skip(path, facts):
                continue
            result[path] = facts
            if keep:
                self.memo[path] = facts
        return result

    def _skip(self, path: str, facts: FileFacts) -> bool:
        if facts.skip:
            self.skipped[path] = facts.skip
        return bool(facts.skip)

    def heads(self, paths: Iterable[str]) -> dict[str, FileFacts]:
        """Heads of ``paths`` (facts without refs, kept in memory: they are small), or whole
        facts where those are at hand anyway (kept, or just parsed in this process)."""
        result, todo = self._todo(paths, lambda p: self.memo.get(p) or self.head_memo.get(p))
        for path, facts in self._load_entries(todo, heads=True).items():
            if not self._skip(path, facts):
                result[path] = facts
                self.head_memo[path] = facts.head() if facts.has_refs else facts
        return result

    def with_refs_named(self, paths: Iterable[str], names: set[str]) -> dict[str, FileFacts]:
        """Facts of ``paths`` holding only the refs named ``names``, or bound to one of them
        by an import alias: a caller search reads those rows of the cache, not every ref."""
        result: dict[str, FileFacts] = {}
        need: dict[str, tuple[FileFacts, set[str]]] = {}
        for path, facts in self.heads(paths).items():
            wanted = names | {i.alias for i in facts.imports if i.alias and i.name in names}
            if facts.has_refs:
                result[path] = facts.named(wanted)
            else:
                need[path] = (facts, wanted)
        if need:
            keys = {p: (self.entries[p].sha, f.language) for p, (f, _) in need.items()}
            keys = {p: key for p, key in keys.items() if key[0]}
            rows = self.cache.named_refs({keys[p]: need[p][1] for p in keys}) if self.cache else {}
            whole = self.load([p for p in need if keys.get(p) not in rows], keep=False)
            for path, (facts, wanted) in need.items():
                if keys.get(path) in rows:
                    result[path] = replace(facts, refs=rows[keys[path]], has_refs=True)
                elif path in whole:
                    result[path] = whole[path].named(wanted)
        return result

    def fill_cache(self, paths: list[str]) -> None:
        """Parse ``paths`` into the cache without keeping their facts: indexing ahead of
        reviews, so memory stays that of one batch."""
        _, todo = self._todo(paths, lambda _: None)
        for path, facts in self._load_entries(todo, heads=True).items():
            self._skip(path, facts)

    def mentioning(self, names: list[str], paths: list[str]) -> set[str] | None:
        """Which of ``paths`` mention any of ``names``, answered by the cache alone; None
        unless every one of them is cached (then a search or a name index answers)."""
        if self.cache is None:
            return None
        keys: dict[str, tuple[str, str]] = {}
        for path in paths:
            entry = self.entries.get(path)
            spec = language_for(path)
            if entry is None or spec is None or self.refusal(entry):
                continue
            if not entry.sha:
                return None
            keys[path] = (entry.sha, spec.name)
        unknown = {k for p, k in keys.items() if p not in self.cached_paths}
        if unknown and len(self.cache.cached(unknown)) < len(unknown):
            return None
        self.cached_paths.update(keys)
        hits = self.cache.mentioning(set(keys.values()), names)
        return {p for p, k in keys.items() if k in hits}

    def _load_entries(
        self, entries: list[TreeEntry], *, heads: bool = False
    ) -> dict[str, FileFacts]:
        """Facts of ``entries``: from the cache (only heads when ``heads``), else parsed."""
        lang = {e.path: language_for(e.path).name for e in entries}  # type: ignore[union-attr]
        found: dict[str, FileFacts] = {}
        if self.cache is not None and entries and all(e.sha for e in entries):
            keys = [(e.sha, lang[e.path]) for e in entries]
            hits = self.cache.get_heads(keys) if heads else self.cache.get_many(keys)
            for e in entries:
                if (e.sha, lang[e.path]) in hits:
                    found[e.path] = hits[(e.sha, lang[e.path])]
        self.from_cache += len(found)
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
                    self.from_cache += 1
            readable = [e for e in readable if e.path not in found]
        parsed = self._parse([(lang[e.path], contents[e.path]) for e in readable])
        self.parsed += len(readable)
        fresh: list[tuple[str, Encoded]] = []
        for e, item in zip(readable, parsed, strict=True):
            if isinstance(item, FileFacts):
                found[e.path] = item
                if self.cache is not None:
                    fresh.append((shas[e.path], encode(item)))
            else:
                found[e.path] = decode(item, whole=not heads or self.cache is None)
                fresh.append((shas[e.path], item))
        if self.cache is not None:
            self.cache.put_many(fresh)
        return found

    def _read(self, entries: list[TreeEntry]) -> dict[str, bytes]:
        contents = {
            e.path: self._prefetched.pop(e.path) for e in entries if e.path in self._prefetched
        }
        entries = [e for e in entries if e.path not in contents]
        if not self.source.remote:
            contents.update(self.source.read(entries))
            return contents
        stored = self.cache.get_blobs(e.sha for e in entries) if self.cache else {}
        contents.update({e.path: stored[e.sha] for e in entries if e.sha in stored})
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

    def _parse(self, items: list[tuple[str, bytes]]) -> Sequence[FileFacts | Encoded]:
        """Facts of ``items``: in this process for a few files, else encoded by workers."""
        if len(items) < PARALLEL_FROM or self.workers < 2 or self._no_pool:
            return _extract_many(items)
        size = max(8, -(-len(items) // (self.workers * 4)))  # small tasks balance load
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        try:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["subagents.tracing.encoding"])
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            return [enc for chunk in self._pool.map(_encode_many, chunks) for enc in chunk]
        except (BrokenProcessPool, OSError, RuntimeError):
            # No worker processes here (a sandbox, an unguarded __main__): parse in process.
            self.omitted["parsed without worker processes"] += 1
            self._no_pool = True
            self.close()
            return _extract_many(items)

    def texts(self, paths: Iterable[str], *, fetch: bool = True) -> dict[str, str]:
        """Contents of ``paths`` as text, binary and oversized files left out (value
        tracing reads declarations as they are written, in any file type). Without
        ``fetch``, a remote source answers only from blobs already read or cached."""
        entries = [self.entries[p] for p in dict.fromkeys(paths) if p in self.entries]
        entries = [e for e in entries if e.mode not in (SYMLINK, SUBMODULE)]
        entries = [e for e in entries if e.size <= MAX_FILE_BYTES]
        if fetch or not self.source.remote:
            contents = self._read(entries)
        else:
            stored = self.cache.get_blobs(e.sha for e in entries) if self.cache else {}
            contents = {e.path: stored[e.sha] for e in entries if e.sha in stored}
        return {
            path: data.decode("utf-8", "replace")
            for path, data in contents.items()
            if b"\x00" not in data[:8192]
        }

    def lines(self, wanted: dict[str, set[int]]) -> dict[str, dict[int, str]]:
        """Source lines by path for rendering, read again in one batch (contents are not
        kept in memory)."""
        entries = [self.entries[p] for p, rows in wanted.items() if p in self.entries and rows]
        contents = self._read(entries)
        result: dict[str, dict[int, str]] = {}
        for path, rows in wanted.items():
            text = contents.get(path, b"").decode("utf-8", "replace").split("\n")
            result[path] = {n: text[n - 1].rstrip() for n in sorted(rows) if 0 < n <= len(text)}
        return result
