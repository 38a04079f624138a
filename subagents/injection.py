"""Text aimed at the reviewer itself: prompt injection, found without a model.

The rules are data: guidance rules whose id starts with ``injection.`` (defaults in
``guidance/injection.*.md``; a repository can add, replace or switch them off like any
guidance rule). They run over everything the author wrote that a model will read: the
PR title and body, commit messages, file names, and the added lines of every file
(comments, strings, docs). A hit sends the PR to a human (gate ``injection.suspected``)
with the text quoted, because a model that read it cannot be trusted to have ignored it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from subagents.base import Finding, Severity, fingerprint
from subagents.secrets import redact

if TYPE_CHECKING:
    from reviewer.context import ReviewContext
    from reviewer.guidance.rules import GuidanceRule

GATE = "injection.suspected"
PREFIX = "injection."
MAX_LINE = 2000
QUOTE_CHARS = 160


@dataclass(frozen=True)
class Hit:
    rule: GuidanceRule
    where: str  # "the PR title", "commit abc1234", "path:line", "the file name path"
    path: str | None
    line: int | None
    quote: str


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def injection_rules(ctx: ReviewContext) -> list[GuidanceRule]:
    return [
        rule
        for doc in ctx.guidance
        for rule in doc.rules
        if rule.id.startswith(PREFIX) and rule.enabled and rule.pattern
    ]


def _quote(text: str, match: re.Match[str]) -> str:
    start = max(0, match.start() - 30)
    snippet = text[start : start + QUOTE_CHARS].strip()
    return redact(snippet).replace("`", "'")


def _sources(ctx: ReviewContext) -> list[tuple[str, str | None, int | None, str]]:
    """(where, path, line, text) of every piece of author text, line by line."""
    out: list[tuple[str, str | None, int | None, str]] = []
    out += [("the PR title", None, None, ctx.title)]
    out += [("the PR description", None, None, row) for row in (ctx.body or "").splitlines()]
    for commit in ctx.commits:
        out += [(f"commit {commit.sha[:7]}", None, None, row)
                for row in commit.message.splitlines()]  # fmt: skip
    for file in ctx.files:
        for path in filter(None, (file.path, file.previous_path)):
            out.append((f"the file name {path}", path, None, path))
        out += [(f"{file.path}:{n}", file.path, n, text) for n, text in file.added_lines()]
    return out


def scan_injection(ctx: ReviewContext) -> list[Hit]:
    """One hit per (rule, place); a rule's ``applies_to``/``exclude`` scope files only."""
    rules = injection_rules(ctx)
    hits = []
    for where, path, line, text in _sources(ctx):
        for rule in rules:
            if path is not None and not rule.applies(path):
                continue
            match = _compiled(rule.pattern or "").search(text[:MAX_LINE])
            if match:
                hits.append(Hit(rule, where, path, line, _quote(text, match)))
    return hits


def findings(hits: list[Hit], subagent: str) -> list[Finding]:
    """One finding per place, quoting the text and naming every rule it broke."""
    grouped: dict[str, list[Hit]] = {}
    for hit in hits:
        grouped.setdefault(hit.where, []).append(hit)
    out = []
    for where, group in grouped.items():
        first = group[0]
        rules = list(dict.fromkeys(h.rule.id for h in group))
        body = (
            f"In {where}:\n\n> {first.quote}\n\n{first.rule.message or first.rule.title}"
            f"\n\n_Guidance: {', '.join(f'`{r}`' for r in rules)}._"
        )
        out.append(
            Finding(
                fingerprint=fingerprint(rules[0], first.path, first.quote),
                subagent=subagent,
                severity=Severity.major,
                path=first.path,
                start_line=first.line,
                end_line=first.line,
                title=f"Possible prompt injection: {first.rule.title.lower()}",
                body=body,
                rule_ids=rules,
            )
        )
    return out
