"""Fill the facts cache with every traceable file of a tree, ahead of reviews.

A trace reads only candidate files, within a time budget, so the first review of a
large repository may leave some callers of a widely used name unread (and says so).
Indexing once parses the whole tree into the cache in parallel; afterwards every trace
of that tree (and of later commits, which share most blobs) reads facts instead of
parsing, and "which files mention X" is answered by the cache instead of ``git grep``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

from subagents.tracing.cache import FactCache
from subagents.tracing.languages import language_for
from subagents.tracing.project import Project
from subagents.tracing.source import TreeSource

BATCH = 200


@dataclass
class IndexReport:
    files: int = 0  # traceable files in the tree
    already_cached: int = 0  # their facts were in the cache
    parsed: int = 0
    seconds: float = 0.0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> files
    in_process: bool = False  # no worker processes could be started here

    def summary(self) -> str:
        rate = self.parsed / self.seconds if self.seconds else 0.0
        text = (
            f"indexed {self.files} files: {self.parsed} parsed in {self.seconds:.1f} s "
            f"({rate:.0f} files/s), {self.already_cached} already cached"
        )
        if self.in_process:
            text += " (no worker processes: parsed in this process)"
        if self.skipped:
            text += "; skipped: " + ", ".join(f"{n} {r}" for r, n in self.skipped.most_common())
        return text


def index_tree(
    source: TreeSource,
    cache: FactCache,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IndexReport:
    """Parse every traceable file of ``source`` not yet in ``cache``; ``progress`` gets
    (files done, files to do) after each batch."""
    started = time.monotonic()
    report = IndexReport()
    with closing(Project(source, cache, workers=workers)) as project:
        traceable = []
        for entry in project.entries.values():
            reason = project.refusal(entry)
            if reason:
                report.skipped[reason] += 1
            else:
                traceable.append(entry)
        report.files = len(traceable)
        keys = {e.path: (e.sha, language_for(e.path).name) for e in traceable if e.sha}  # type: ignore[union-attr]
        have = cache.cached(set(keys.values()))
        todo = [e.path for e in traceable if keys.get(e.path) not in have]
        for start in range(0, len(todo), BATCH):
            project.fill_cache(todo[start : start + BATCH])
            if progress is not None:
                progress(min(start + BATCH, len(todo)), len(todo))
        report.parsed = project.parsed
        report.in_process = "parsed without worker processes" in project.omitted
        report.skipped.update(project.skipped.values())
        # Cached before the run, or found cached once read (a folder without git learns a
        # blob's SHA only by reading it; two files may share one blob).
        report.already_cached = report.files - len(todo) + project.from_cache
    report.seconds = time.monotonic() - started
    return report
