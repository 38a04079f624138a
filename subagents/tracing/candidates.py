"""Candidate files: which files can mention a name at all, found before parsing any.

A local repository answers with ``git grep -w`` over the head tree. Sources that cannot
search (GitHub, a plain folder) fall back to a name index: every file of the language
family is read once (cached by blob SHA, so only on the first review of a repository or
for blobs a push changed) and only its set of identifiers is kept in memory.
"""

from __future__ import annotations

from subagents.tracing.languages import family_globs, is_test_path
from subagents.tracing.project import Project

MAX_CANDIDATES = 2000
REMOTE_INDEX_CAP = 500
_INDEX_CHUNK = 500


def name_index(project: Project, family: str) -> dict[str, str]:
    """Path -> `` name name ... `` for every readable file of ``family`` (built once)."""
    index = project.name_index
    if family not in index:
        names: dict[str, str] = {}
        files = _remote_share(project, project.family_files(family))
        for start in range(0, len(files), _INDEX_CHUNK):
            chunk = files[start : start + _INDEX_CHUNK]
            for path, facts in project.load(chunk, keep=False).items():
                names[path] = " " + " ".join(sorted(facts.names())) + " "
        index[family] = names
    return index[family]


def _nearness(path: str, focus: tuple[str, ...]) -> int:
    """How many leading directories ``path`` shares with the closest changed file."""
    parts = path.split("/")[:-1]
    best = 0
    for changed in focus:
        other = changed.split("/")[:-1]
        shared = 0
        for a, b in zip(parts, other, strict=False):
            if a != b:
                break
            shared += 1
        best = max(best, shared)
    return best


def _remote_share(project: Project, files: list[str]) -> list[str]:
    """A remote source has no search, and reading a large repository's every file on a
    first review would cost minutes and hundreds of requests: index at most
    ``REMOTE_INDEX_CAP`` files, those nearest the change first, sources before tests."""
    if not project.source.remote or len(files) <= REMOTE_INDEX_CAP:
        return files
    ranked = sorted(files, key=lambda p: (-_nearness(p, project.focus), is_test_path(p), p))
    project.omitted["files not indexed (remote source, far from the change)"] += (
        len(ranked) - REMOTE_INDEX_CAP
    )
    return ranked[:REMOTE_INDEX_CAP]


def files_mentioning(project: Project, names: list[str], family: str) -> list[str]:
    """Files of ``family`` that mention any of ``names``; sources before tests, capped."""
    if not names:
        return []
    hits = project.source.grep(names, family_globs(family))
    if hits is None:
        wanted = [f" {n} " for n in names]
        hits = {
            p for p, text in name_index(project, family).items() if any(w in text for w in wanted)
        }
    found = sorted((p for p in hits if project.modules.files.get(p) == family),
                   key=lambda p: (is_test_path(p), p))  # fmt: skip
    if len(found) > MAX_CANDIDATES:
        project.omitted["candidate files over the limit"] += len(found) - MAX_CANDIDATES
        found = found[:MAX_CANDIDATES]
    return found
