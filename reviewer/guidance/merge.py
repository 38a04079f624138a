"""Combining shipped and repository guidance into the one set of rules in force.

Both the local path (``reviewer/context.py``) and the GitHub path
(``reviewer/github/context.py``) read the default guidance and the repository's
``.github/reviewer/*.md``; this module is the single place that decides what a
repository's files do to the defaults, so the two paths cannot drift apart:

- a repository rule with a new id is **added**;
- a repository rule whose id equals a default rule's id **replaces** that rule;
- ``disable: [...]`` in any repository file, or a rule with ``enabled: false``,
  **switches off** the default rules (or whole default files) with those ids;
- a default file left with no rules is dropped, so its prose no longer reaches the
  model; a repository file is always kept, so its hash stays in the audit entry.

Within the repository's own files the first definition of an id wins (``reviewer
guidance lint`` reports the duplicate).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reviewer.guidance.rules import GuidanceDoc, GuidanceError, GuidanceRule, parse_guidance


def switched_off(repo: Iterable[GuidanceDoc]) -> set[str]:
    """Ids the repository switches off, by ``disable`` lists or ``enabled: false`` rules."""
    off: set[str] = set()
    for doc in repo:
        off.update(doc.disable)
        off.update(rule.id for rule in doc.rules if not rule.enabled)
    return off


def merge_guidance(
    defaults: Iterable[GuidanceDoc], repo: Iterable[GuidanceDoc]
) -> tuple[GuidanceDoc, ...]:
    """The guidance in force: defaults minus what the repository disables or replaces."""
    repo_docs = list(repo)
    off = switched_off(repo_docs)
    merged: list[GuidanceDoc] = []
    seen: set[str] = set()
    for doc in repo_docs:
        rules = []
        for rule in doc.rules:
            if rule.enabled and rule.id not in seen:
                rules.append(rule)
            seen.add(rule.id)
        merged.append(_with_rules(doc, rules))
    replaced = seen | off
    kept_defaults = []
    for doc in defaults:
        if doc.id in off:
            continue
        rules = [r for r in doc.rules if r.id not in replaced]
        if doc.rules and not rules:
            continue
        kept_defaults.append(_with_rules(doc, rules))
    return (*kept_defaults, *merged)


def _with_rules(doc: GuidanceDoc, rules: list[GuidanceRule]) -> GuidanceDoc:
    if len(rules) == len(doc.rules):
        return doc
    return doc.model_copy(update={"rules": tuple(rules)})


def rules_for_file(
    docs: Iterable[GuidanceDoc], path: str, subagent: str | None = None
) -> list[tuple[GuidanceDoc, GuidanceRule]]:
    """Every (file, rule) in force for ``path``, optionally only those ``subagent`` reads."""
    return [(doc, rule) for doc in docs for rule in doc.rules_for(path, subagent)]


def load_guidance_dir(folder: Path, prefix: str = "") -> tuple[list[GuidanceDoc], list[str]]:
    """Parse every ``*.md`` in ``folder``; returns the docs and one error per bad file."""
    docs: list[GuidanceDoc] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.md")):
        try:
            docs.append(parse_guidance(path.read_text(encoding="utf-8"), prefix + path.name))
        except (GuidanceError, UnicodeDecodeError) as exc:
            errors.append(str(exc))
    return docs, errors
