"""Candidate files: which files can mention a name at all, found before parsing any.

Once every file of the tree is in the facts cache, the cache's per-name rows answer.
Otherwise a local repository answers with ``git grep -w`` over the head tree. Sources
that cannot search (GitHub, a plain folder) read every file of the language family once
(cached by blob SHA, so only on the first review of a repository or for blobs a push
changed) and then ask the cache; without a cache only each file's set of identifiers is
kept in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

from subagents.tracing.facts import FileFacts
from subagents.tracing.languages import family_globs, is_test_path
from subagents.tracing.project import Project

MAX_CANDIDATES = 2000
MAX_ALIASES = 20
REMOTE_INDEX_CAP = 500
_INDEX_CHUNK = 500


def name_index(project: Project, family: str) -> dict[str, str]:
    """Path -> `` name name ... `` for every readable file of ``family`` (built once)."""
    index = project.name_index
    if family not in index:
        names: dict[str, str] = {}
        files = _remote_share(project, family)
        for start in range(0, len(files), _INDEX_CHUNK):
            chunk = files[start : start + _INDEX_CHUNK]
            for path, facts in project.load(chunk, keep=False).items():
                names[path] = " " + " ".join(sorted(facts.names())) + " "
        index[family] = names
    return index[family]


def _unsearchable(project: Project, names: list[str], family: str) -> set[str]:
    """Candidates where the source cannot search: the cache's name rows once the files are
    cached (reading their heads caches them), else a name index built in memory."""
    files = _remote_share(project, family)
    if project.cache is not None and all(project.entries[p].sha for p in files):
        hits = project.mentioning(names, list(project.heads(files)))
        if hits is not None:
            return hits
    wanted = [f" {n} " for n in names]
    return {p for p, text in name_index(project, family).items() if any(w in text for w in wanted)}


def nearness(path: str, focus: tuple[str, ...]) -> int:
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


def _remote_share(project: Project, family: str) -> list[str]:
    """A remote source has no search, and reading a large repository's every file on a
    first review would cost minutes and hundreds of requests: index at most
    ``REMOTE_INDEX_CAP`` files, those nearest the change first, sources before tests."""
    if family in project.shares:
        return project.shares[family]
    files = project.family_files(family)
    if project.source.remote and len(files) > REMOTE_INDEX_CAP:
        ranked = sorted(files, key=lambda p: (-nearness(p, project.focus), is_test_path(p), p))
        project.omitted["files not indexed (remote source, far from the change)"] += (
            len(ranked) - REMOTE_INDEX_CAP
        )
        files = ranked[:REMOTE_INDEX_CAP]
    project.shares[family] = files
    return files


def files_mentioning(project: Project, names: list[str], family: str) -> list[str]:
    """Files of ``family`` that mention any of ``names``; sources before tests, capped."""
    if not names:
        return []
    hits = project.mentioning(names, project.family_files(family))
    if hits is None:
        hits = project.source.grep(names, family_globs(family))
    if hits is None:
        hits = _unsearchable(project, names, family)
    found = sorted((p for p in hits if project.modules.files.get(p) == family),
                   key=lambda p: (is_test_path(p), p))  # fmt: skip
    if len(found) > MAX_CANDIDATES:
        project.omitted["candidate files over the limit"] += len(found) - MAX_CANDIDATES
        found = found[:MAX_CANDIDATES]
    return found


def new_aliases(heads: Iterable[FileFacts], known: dict[str, str]) -> dict[str, str]:
    """Names that ``known`` names (alias -> original; an original maps to itself) are
    re-exported or bound as in these files (``export { _gte as gte }``, ``const
    stringType = ZodString.create``): a call through an alias never mentions the
    original, so its files are searched too. At most ``MAX_ALIASES`` in all."""
    pairs = []
    for facts in heads:
        pairs += [(i.name, i.alias) for i in facts.imports if i.name and i.alias]
        pairs += [(b.type.rsplit(".", 1)[-1], b.var) for b in facts.binds
                  if b.scope is None and b.type.startswith("=")]  # fmt: skip
    found: dict[str, str] = {}
    grew = True
    while grew:  # ``const b = A.create; export { b as c }``: a chain within one file
        grew = False
        for name, alias in pairs:
            if len(known) + len(found) >= MAX_ALIASES:
                return found
            original = found.get(name) or known.get(name)
            if original and alias not in known and alias not in found:
                found[alias] = original
                grew = True
    return found
