"""CODEOWNERS: who owns which paths (the last matching rule wins, as on GitHub)."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.globs import matches


def parse_codeowners(text: str | None) -> list[tuple[str, tuple[str, ...]]]:
    rules = []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        pattern, *owners = line.split()
        rules.append((pattern, tuple(owners)))
    return rules


def owners_of(text: str | None, paths: Iterable[str]) -> list[str]:
    """Owners of any of ``paths``, in first-seen order, as written (``@user``, ``@org/team``)."""
    rules = parse_codeowners(text)
    found: list[str] = []
    for path in paths:
        owners: tuple[str, ...] = ()
        for pattern, rule_owners in rules:
            if matches(path, pattern):
                owners = rule_owners
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
