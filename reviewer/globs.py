"""Gitignore-style globs (``**`` spans directories) for policy paths and guidance scopes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def _translate(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.strip("/")
    pattern = pattern.lstrip("/")
    body = _translate(pattern)
    if pattern.endswith("/"):
        body += ".*"
    prefix = "" if anchored else "(?:.*/)?"
    # DOTALL and fullmatch: a name may hold a newline, and it must not end the match early.
    return re.compile(f"{prefix}{body}(?:/.*)?", re.DOTALL)


def matches(path: str, pattern: str) -> bool:
    """True when ``path`` (repo-relative, ``/``-separated) matches ``pattern``.

    A pattern without a slash matches a name at any depth (``*.lock``); one with a slash
    is anchored at the repo root (``.github/workflows/**``); a directory match covers
    everything below it.
    """
    return bool(_compile(pattern).fullmatch(path))


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    return any(matches(path, p) for p in patterns)


def matches_branch(name: str, patterns: Iterable[str]) -> bool:
    """True when the branch ``name`` matches one of ``patterns`` as a whole: ``*`` stays
    within one ``/``-separated part, ``**`` spans parts (``release/*``, ``hotfix/**``)."""
    return any(re.fullmatch(_translate(p), name, re.DOTALL) for p in patterns)
