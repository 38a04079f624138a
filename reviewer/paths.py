"""Path conventions shared by the gates and the sub-agents, so "area" and "test file"
mean the same thing everywhere."""

from __future__ import annotations

import re

# Monorepo roots whose children are separate areas (``packages/api`` vs ``packages/web``).
GROUPING_ROOTS = frozenset({"src", "packages", "apps", "services"})

_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|__tests__|spec|specs|testing)/|(?:^|/)test_[^/]+\.py$|_test\.(?:py|go)$"
    r"|\.(?:test|spec)\.[jt]sx?$|(?:Test|Tests|Spec)\.(?:java|kt|cs|swift)$|_spec\.rb$"
)


def area_of(path: str) -> str:
    """The top-level area a path belongs to: its first segment, or two under monorepo
    roots. A file at the repository root is its own area."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0] in GROUPING_ROOTS:
        return "/".join(parts[:2])
    return parts[0]


# Folders of prose and release notes: they accompany a change in any area.
COMPANION_DIRS = frozenset({"docs", "doc", "documentation", "changes", "changelog.d",
                            "newsfragments", "news", "changelog"})  # fmt: skip
_CODE_SUFFIX = re.compile(
    r"\.(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|go|java|kt|rb|rs|c|h|cc|cpp|hpp|cs|php|swift|scala"
    r"|sh|bash|sql|lua)$"
)
ROOT_CODE = "(root)"


def source_area(path: str) -> str | None:
    """The source area a change counts against, or None for what accompanies a change
    anywhere: tests, docs, changelogs and root metadata files (README, pyproject.toml...).
    Code at the repository root is one area, ``(root)``."""
    if is_test_path(path):
        return None
    if "/" not in path:
        return ROOT_CODE if _CODE_SUFFIX.search(path) else None
    if path.split("/", 1)[0].lower() in COMPANION_DIRS:
        return None
    return area_of(path)


def is_test_path(path: str) -> bool:
    """True for files that are tests by the common conventions of the major ecosystems."""
    return bool(_TEST_PATH.search(path))
