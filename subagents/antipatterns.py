"""Anti-patterns specialist: the team's guidance rules, applied where they are scoped.

Every guidance doc whose ``applies_to`` covers a changed file contributes its rules that
carry a ``pattern``; each added line a pattern matches becomes a finding that cites the
rule id and the guidance file, so comments point at the team's own words and feedback
on them can be counted per rule. Adjacent hits of one rule merge into one ranged finding,
so a commented-out block is one comment, not twenty; a minor or info rule comments once
per file and lists its other lines there. Rules without a pattern are for the
model part, added later.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from subagents.base import (
    DeterministicSubAgent,
    Finding,
    Severity,
    fingerprint,
)
from subagents.injection import PREFIX as INJECTION_RULES
from subagents.querypatterns import query_hits
from subagents.secrets import redact

if TYPE_CHECKING:
    from reviewer.context import ChangedFile, ReviewContext
    from reviewer.guidance.rules import GuidanceDoc, GuidanceRule

NAME = "antipatterns"
MAX_LINE = 2000  # rule patterns come from repos; bound the text they run on
QUIET = (Severity.info, Severity.minor)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _body(rule: GuidanceRule, doc: GuidanceDoc) -> str:
    return f"{rule.message or rule.title}\n\n_Guidance: `{rule.id}` in {doc.source}._"


def _runs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Group hits on consecutive line numbers."""
    runs: list[list[tuple[int, str]]] = []
    for line, text in lines:
        if runs and runs[-1][-1][0] == line - 1:
            runs[-1].append((line, text))
        else:
            runs.append([(line, text)])
    return runs


def rule_findings(doc: GuidanceDoc, rule: GuidanceRule, file: ChangedFile) -> list[Finding]:
    """Findings of one rule's regex ``pattern`` and tree-sitter ``query`` on the lines a
    file adds; hits of a regex on consecutive lines become one ranged finding."""
    if (rule.pattern is None and rule.query is None) or not rule.applies(file.path):
        return []
    added = file.added_lines()
    spans: list[tuple[int, int, str]] = []
    if rule.pattern is not None:
        pattern = _compiled(rule.pattern)
        hits = [(n, text) for n, text in added if pattern.search(text[:MAX_LINE])]
        spans += [(run[0][0], run[-1][0], run[0][1]) for run in _runs(hits)]
    if rule.query is not None:
        text_at = dict(added)
        spans += [
            (first, last, text_at.get(first, ""))
            for first, last in query_hits(file.path, rule.query, rule.languages, added)
        ]
    spans.sort()
    body = _body(rule, doc)
    if spans and Severity(rule.severity) in QUIET and len(spans) > 1:
        body += "\n\nAlso on lines " + ", ".join(_lines(f, la) for f, la, _ in spans[1:]) + "."
        spans = spans[:1]  # a minor rule speaks once per file: more comments add noise
    return [
        Finding(
            fingerprint=fingerprint(rule.id, file.path, redact(text)),
            subagent=NAME,
            severity=Severity(rule.severity),
            path=file.path,
            start_line=first,
            end_line=last,
            title=rule.title,
            body=body,
            rule_ids=[rule.id],
        )
        for first, last, text in spans
    ]


def _lines(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def scan(ctx: ReviewContext) -> list[Finding]:
    """Every pattern rule of every guidance doc in scope, over every changed file."""
    findings: list[Finding] = []
    for doc in ctx.guidance:
        for file in ctx.files:
            if file.patch and doc.applies(file.path):
                for rule in doc.rules:
                    if not rule.id.startswith(INJECTION_RULES):  # the safety scan owns these
                        findings.extend(rule_findings(doc, rule, file))
    return findings


class AntipatternsAgent(DeterministicSubAgent):
    """Guidance pattern rules; the model part later reviews against the prose rules."""

    name = NAME
    model_part = "guidance-grounded review"

    def check(self, ctx: ReviewContext) -> list[Finding]:
        return scan(ctx)

    def summary(self, ctx: ReviewContext, findings: list[Finding]) -> str:
        rules = sum(1 for d in ctx.guidance for r in d.rules if r.pattern or r.query)
        return f"checked {rules} pattern rule(s) from {len(ctx.guidance)} guidance doc(s)"
