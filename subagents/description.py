"""Description specialist: does the PR say what changes, why, how it was tested, with links?

The deterministic part is a rubric of concrete signals, not a length check: a long
description that never says why helps a reviewer as little as an empty one. Template
scaffolding (HTML comments, empty headings, unticked boxes, "N/A") does not count as
content. Each missing signal becomes a finding that tells the author what to add, and the
rubric goes into the rationale so a human (and later the model part) sees what was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from reviewer.globs import matches_any
from reviewer.paths import is_test_path
from subagents.base import (
    DeterministicSubAgent,
    Finding,
    Severity,
    fingerprint,
)
from subagents.prompting import SUMMARISED

if TYPE_CHECKING:
    from reviewer.context import ChangedFile, ReviewContext

NAME = "description"

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)[\s#]*$")
_UNCHECKED = re.compile(r"^\s*[-*+]\s+\[ \]\s*(.*)$")
_CHECKED = re.compile(r"^\s*[-*+]\s+\[[xX]\]\s*(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FILLER = re.compile(r"^\s*(?:[-*+]\s*)?(?:n/?a|none|tbd|todo|\.{3}|-+|_+)?\s*\.?$", re.I)
_WORD = re.compile(r"[A-Za-z]{2,}")

_CONVENTIONAL_PREFIX = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*(?:\w+(?:\([^)]*\))?!?:\s*)?")
_DEFAULT_TITLE = re.compile(
    r"^(?:(?:update|create|delete|add files via upload)(?:\s+\S+)?|patch[- ]?\d*|wip|draft"
    r"|fix(?:es)?|changes?|misc|stuff|minor|tweaks?|cleanup|refactor|bump|test|tmp|temp)$",
    re.I,
)

_WHY = re.compile(
    r"\bbecause\b|\bso (?:that|we|it|the|users?|callers?)\b|\bin order to\b|\botherwise\b"
    r"|\bto (?:fix|avoid|prevent|allow|support|enable|reduce|improve|handle|address|resolve"
    r"|ensure|stop|unblock|speed up)\b|\bfix(?:es|ed)? (?:a |the )?(?:crash|bug|error|regression"
    r"|leak|race|failure|exception|problem)\b|\b(?:was|were|is|are) (?:failing|broken)\b",
    re.I,
)
_WHY_HEADING = re.compile(r"^(?:motivation|why|context|background|problem|rationale|reason)", re.I)
_WHY_LABEL = re.compile(
    r"^\s*[*_]*(?:motivation|why|context|background|problem|rationale)[*_]*\s*:[*_]*\s*\S",
    re.I | re.M,
)

_NEGATED_TEST = re.compile(
    r"\b(?:not|no|without|never|haven't|hasn't|didn't|wasn't|couldn't)\b[\w\s]{0,20}?"
    r"\b(?:tests?|tested|testing|verified)\b",
    re.I,
)
_TESTED = re.compile(
    r"\b(?:tests?|tested|testing|verified|reproduced|manually (?:checked|confirmed))\b", re.I
)
_TEST_HEADING = re.compile(r"^(?:tests?|testing|how (?:was this|to) test|verification|qa)\b", re.I)
_COMMAND = re.compile(
    r"^\s*(?:\$\s|>\s|pytest\b|python\b|npm\b|npx\b|yarn\b|pnpm\b|make\b|go (?:test|run)\b"
    r"|cargo\b|mvn\b|gradle\b|\./|curl\b|tox\b|nox\b|uv\b|poetry\b|bundle\b|rake\b|dotnet\b)"
)

_LINKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("issue URL", re.compile(r"https?://\S+/(?:issues|pull|browse|tickets?)/[\w-]+", re.I)),
    ("cross-repo reference", re.compile(r"\b[\w.-]+/[\w.-]+#\d+\b")),
    ("issue number", re.compile(r"(?<![\w/&#])#\d+\b")),
    (
        "ticket key",
        re.compile(
            r"\b(?!(?:UTF|SHA|ISO|RFC|HTTP|TLS|SSL|AES|CVE|PEP|GPL|MD|ES|COVID)-)"
            r"[A-Z][A-Z0-9]{1,9}-\d+\b(?!-)"
        ),
    ),
)

# The PR's own number in a merge title ("Fix x (#123)", "Merge pull request #123 from ..."):
# a reference to itself, not a linked issue.
_PR_NUMBER = re.compile(r"\(#\d+\)\s*$|^Merge pull request #\d+")
# A change this small (lockfiles and generated files aside) explains itself with its
# diff, so a title or body that says what changes is description enough.
SMALL_LINES = 100

SignalStatus = Literal["found", "partial", "missing"]


@dataclass(frozen=True)
class Signal:
    status: SignalStatus
    evidence: str = ""

    def __str__(self) -> str:
        return f"{self.status} ({self.evidence})" if self.evidence else self.status


@dataclass(frozen=True)
class Rubric:
    """Which of the concrete signals the title, description and diff carry."""

    what: Signal
    why: Signal
    tested: Signal
    link: Signal
    unchecked: tuple[str, ...] = ()
    empty_body: bool = False

    def summary(self) -> str:
        boxes = f"{len(self.unchecked)} unchecked" if self.unchecked else "none unchecked"
        return (
            f"rubric: what={self.what}; why={self.why}; tested={self.tested}; "
            f"linked issue={self.link}; checklist={boxes}"
        )


@dataclass
class _Body:
    """The description with template scaffolding removed."""

    lines: list[str] = field(default_factory=list)  # meaningful prose
    checked: list[str] = field(default_factory=list)  # ticked checklist items
    filled_headings: list[str] = field(default_factory=list)
    fenced: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


def _parse_body(body: str) -> _Body:
    out = _Body()
    heading: str | None = None
    heading_used = True
    in_fence = False
    for line in _COMMENT.sub("", body).splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            if line.strip():
                out.fenced.append(line)
            continue
        if match := _HEADING.match(line):
            heading, heading_used = match.group(1).strip(), False
            continue
        if match := _CHECKED.match(line):
            out.checked.append(match.group(1).strip())
            continue
        if match := _UNCHECKED.match(line):
            if match.group(1).strip():
                out.unchecked.append(match.group(1).strip())
            continue
        if _FILLER.match(line):
            continue
        out.lines.append(line.strip())
        if heading is not None and not heading_used:
            out.filled_headings.append(heading)
            heading_used = True
    return out


def _title_says_what(title: str) -> bool:
    core = _CONVENTIONAL_PREFIX.sub("", title).strip()
    return len(_WORD.findall(core)) >= 3 and not _DEFAULT_TITLE.match(core)


def _find_link(text: str) -> Signal:
    for label, pattern in _LINKS:
        if match := pattern.search(text):
            return Signal("found", f"{label} {match.group(0)}")
    return Signal("missing")


def assess(title: str, body: str | None, files: Iterable[ChangedFile] = ()) -> Rubric:
    """Score the PR text against the rubric; pure, so tests and the model prompt can share it."""
    parsed = _parse_body(body or "")
    prose = "\n".join(parsed.lines)
    text = f"{title}\n{prose}"
    link = _find_link(f"{_PR_NUMBER.sub('', title)}\n{prose}\n" + "\n".join(parsed.fenced))

    if len(_WORD.findall(prose)) >= 4:
        what = Signal("found", "description")
    elif _title_says_what(title):
        what = Signal("found", "title")
    else:
        what = Signal("missing")

    why_heading = next((h for h in parsed.filled_headings if _WHY_HEADING.match(h)), None)
    if why_heading:
        why = Signal("found", f"'{why_heading}' section")
    elif match := _WHY.search(text) or _WHY_LABEL.search(prose):
        why = Signal("found", f"'{match.group(0).strip()}'")
    elif link.status == "found":
        why = Signal("partial", "linked issue only")
    else:
        why = Signal("missing")

    test_files = [f.path for f in files if is_test_path(f.path) and f.status != "removed"]
    test_heading = next((h for h in parsed.filled_headings if _TEST_HEADING.match(h)), None)
    if test_heading:
        tested = Signal("found", f"'{test_heading}' section")
    elif match := _TESTED.search(_NEGATED_TEST.sub(" ", "\n".join([text, *parsed.checked]))):
        tested = Signal("found", f"'{match.group(0)}'")
    elif any(_COMMAND.match(line) for line in parsed.fenced):
        tested = Signal("found", "commands in a code block")
    elif test_files:
        tested = Signal("found", f"test file {test_files[0]} changed")
    else:
        tested = Signal("missing")

    return Rubric(
        what=what,
        why=why,
        tested=tested,
        link=link,
        unchecked=tuple(parsed.unchecked),
        empty_body=not (body or "").strip(),
    )


# (rule, signal status that triggers it) -> severity, title, what to add
_ADVICE: dict[tuple[str, SignalStatus], tuple[Severity, str, str]] = {
    ("description.what", "missing"): (
        Severity.minor,
        "Say what this pull request changes",
        "{opening}, and the title does not say what changes. Add a short summary: "
        "what behaves differently after this merges, and which parts of the code it touches.",
    ),
    ("description.why", "missing"): (
        Severity.minor,
        "Explain why this change is needed",
        "Add the motivation: the bug, request or goal behind the change, e.g. a 'Why' section "
        "or a sentence with 'because ...' or 'so that ...'. Reviewers judge a change against "
        "its purpose.",
    ),
    ("description.why", "partial"): (
        Severity.info,
        "Summarise the motivation here, not only in the linked issue",
        "The linked issue may explain the reason, but a sentence of motivation in the "
        "description saves every reviewer a click and survives in the merge history.",
    ),
    ("description.tested", "missing"): (
        Severity.minor,
        "Say how this was tested",
        "No test file changes and the description does not say how the change was verified. "
        "Add a 'Testing' section with the commands you ran (in a code block) or the manual "
        "steps and what you saw; if it cannot be tested, say why.",
    ),
    ("description.link", "missing"): (
        Severity.info,
        "Link the issue or ticket this addresses",
        "Reference it, e.g. `Fixes #123`, `owner/repo#123`, an issue URL or a ticket key like "
        "`ABC-123`, so the change can be traced to its request. If there is none, say so.",
    ),
}


def _finding(rules: list[str], severity: Severity, title: str, body: str) -> Finding:
    return Finding(
        fingerprint=fingerprint(NAME, None, ""),
        subagent=NAME,
        severity=severity,
        title=title,
        body=body,
        rule_ids=rules,
    )


def findings_for(rubric: Rubric, small: bool = False) -> list[Finding]:
    """At most one finding: everything the description lacks, in one list. None for a
    small change whose title or body says what changes; a link is never asked of it."""
    if small and rubric.what.status == "found":
        return []
    opening = (
        "The pull request has no description"
        if rubric.empty_body
        else "The description holds only template text"
    )
    signals = {
        "description.what": rubric.what,
        "description.why": rubric.why,
        "description.tested": rubric.tested,
        "description.link": rubric.link,
    }
    parts: list[tuple[str, Severity, str, str]] = []
    for rule, signal in signals.items():
        if advice := _ADVICE.get((rule, signal.status)):
            severity, heading, body = advice
            parts.append((rule, severity, heading, body.format(opening=opening)))
    if rubric.unchecked:
        items = "\n".join(f"- [ ] {item}" for item in rubric.unchecked)
        parts.append(
            (
                "description.checklist",
                Severity.minor,
                f"{len(rubric.unchecked)} checklist item(s) left unchecked",
                "Tick the items that are done, or remove the ones that do not apply and say "
                f"why:\n\n{items}",
            )
        )
    if not parts:
        return []
    if len(parts) == 1:
        rule, severity, heading, body = parts[0]
        return [_finding([rule], severity, heading, body)]
    worst = max((p[1] for p in parts), key=lambda sev: sev.rank)
    body = "\n\n".join(f"**{heading}.** {text}" for _, _, heading, text in parts)
    return [_finding([p[0] for p in parts], worst, "Complete the description", body)]


class DescriptionAgent(DeterministicSubAgent):
    """Checks the PR text against the rubric; the model part later judges clarity."""

    name = NAME
    model_part = "clarity and missing-context review"

    def check(self, ctx: ReviewContext) -> list[Finding]:
        lines = sum(f.changes for f in ctx.files if not matches_any(f.path, SUMMARISED))
        return findings_for(assess(ctx.title, ctx.body, ctx.files), small=lines <= SMALL_LINES)

    def summary(self, ctx: ReviewContext, findings: list[Finding]) -> str:
        return assess(ctx.title, ctx.body, ctx.files).summary()
