"""CODEOWNERS: where GitHub finds the file, and who owns which paths.

GitHub reads the file from the pull request's **base** branch and looks in ``.github/``,
then the root, then ``docs/``: the first one found is used, the others are ignored. The
last matching rule of that file decides a path's owners. Review (reviewer requests) and
the merge gate (whose approval counts) share this one loader so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reviewer.globs import matches

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


def load_codeowners(read: Callable[[str], str | None]) -> str | None:
    """The text of the first CODEOWNERS file ``read(path)`` finds, in GitHub's order."""
    for path in CODEOWNERS_PATHS:
        text = read(path)
        if text is not None:
            return text
    return None


def parse_codeowners(text: str | None) -> list[tuple[str, tuple[str, ...]]]:
    rules = []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        pattern, *owners = line.split()
        rules.append((pattern, tuple(owners)))
    return rules


def owners_by_path(text: str | None, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each path's owners as written (``@user``, ``@org/team``, e-mail); a path no rule
    matches, or whose last matching rule names nobody, owns to ``()``."""
    rules = parse_codeowners(text)
    found: dict[str, tuple[str, ...]] = {}
    for path in paths:
        owners: tuple[str, ...] = ()
        for pattern, rule_owners in rules:
            if matches(path, pattern):
                owners = rule_owners
        found[path] = owners
    return found


def owners_of(text: str | None, paths: Iterable[str]) -> list[str]:
    """Owners of any of ``paths``, in first-seen order, as written."""
    found: list[str] = []
    for owners in owners_by_path(text, paths).values():
        found.extend(o for o in owners if o not in found)
    return found


def split_reviewers(owners: Iterable[str], author: str) -> tuple[list[str], list[str]]:
    """(users, team slugs) to request; e-mail owners and the author are left out."""
    users, teams = [], []
    for owner in owners:
        name = owner.lstrip("@")
        if "/" in name:
            teams.append(name.split("/", 1)[1])
        elif "@" not in name and name.lower() != author.lower():
            users.append(name)
    return users, teams
