"""Intent specialist: does the diff do what the title, description and commits say, and no more?

The deterministic part compares the areas of the code base a PR touches with what its
text mentions. An area nobody mentions is where unexplained changes hide (a drive-by edit,
a debugging leftover, a change meant for another PR); a "docs"/"typo" title over code
changes is the classic mismatch. Tests and changelogs accompany changes anywhere, so they
never count as a separate area. The model part later judges alignment line by line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewer.diff import parse_patch
from reviewer.paths import source_area
from subagents.base import (
    DeterministicSubAgent,
    Finding,
    Severity,
    fingerprint,
)
from subagents.docstrings import changed_outside_strings

if TYPE_CHECKING:
    from reviewer.context import ChangedFile, ReviewContext

NAME = "intent"

_GENERIC_STEMS = frozenset({"__init__", "index", "main", "utils", "util", "common", "base", "mod"})
CODE_EXTENSIONS = frozenset(
    {
        "py", "pyi", "js", "jsx", "mjs", "cjs", "ts", "tsx", "go", "java", "kt", "rb", "rs",
        "c", "h", "cc", "cpp", "hpp", "cs", "php", "swift", "scala", "sh", "bash", "sql", "lua",
    }
)  # fmt: skip
_DOCS_TITLE = re.compile(
    r"^\s*docs?(?:\([^)]*\))?!?:|\b(?:docs?|documentation|typos?|readme|spelling|wording)\b", re.I
)
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|\*|--|\"\"\"|'''|<!--)|^\s*$")


def scope_areas(paths: Iterable[str]) -> dict[str, list[str]]:
    """Source areas touched by a change, each with its files (``reviewer.paths.source_area``:
    tests, docs, changelogs and root metadata are left out)."""
    areas: dict[str, list[str]] = {}
    for path in paths:
        area = source_area(path)
        if area is not None:
            areas.setdefault(area, []).append(path)
    return areas


def own_names(repo: str) -> set[str]:
    """The repository's own name and the package names it implies: changes to the package
    that *is* the project are mentioned by the project's name."""
    name = repo.rsplit("/", 1)[-1].lower()
    bare = re.sub(r"^(?:python|py)[-_]?|[-_]python$", "", name)
    return {n for base in (name, bare) for n in (base, base.replace("-", "_"))}


def is_code(path: str) -> bool:
    return path.rsplit(".", 1)[-1].lower() in CODE_EXTENSIONS if "." in path else False


def _names(area: str, files: list[str]) -> set[str]:
    """Words whose appearance in the PR text counts as mentioning the area."""
    last = area.rsplit("/", 1)[-1].lower()
    names = {last, last.split(".")[0], last.replace("-", " "), last.replace("_", " ")}
    if last.endswith("s") and len(last) > 4:
        names.add(last[:-1])
    for path in files:
        stem = path.rsplit("/", 1)[-1].split(".")[0].lower()
        if len(stem) >= 4 and stem not in _GENERIC_STEMS:
            names.add(stem)
    return {n for n in names if len(n) >= 2}


def _mentioned(area: str, files: list[str], text: str, own: set[str]) -> bool:
    if area.rsplit("/", 1)[-1].lower() in own:
        return True
    return any(re.search(rf"(?<![a-z0-9]){re.escape(n)}", text) for n in _names(area, files))


def _comment_only(file: ChangedFile) -> bool:
    """Only comments, blank lines and (in Python) docstrings change."""
    if not file.patch:
        return False
    if file.path.endswith((".py", ".pyi")):
        lines = changed_outside_strings(file.patch)
    else:
        parsed = parse_patch(file.patch)
        lines = [text for _, text in [*parsed.added, *parsed.removed]]
    return all(_COMMENT_LINE.match(text) for text in lines)


@dataclass(frozen=True)
class Scope:
    """The areas a PR touches and which of them its text mentions."""

    areas: dict[str, list[str]]
    mentioned: frozenset[str]

    def summary(self) -> str:
        if not self.areas:
            return "areas: none outside tests/changelogs"
        listed = ", ".join(
            f"{a}{'' if a in self.mentioned else ' (unmentioned)'}" for a in self.areas
        )
        return f"areas: {listed}"


def stated_text(ctx: ReviewContext) -> str:
    """Everything the author said about the change: title, description, commit messages."""
    return "\n".join([ctx.title, ctx.body or "", *(c.message for c in ctx.commits)]).lower()


def assess_scope(ctx: ReviewContext) -> Scope:
    areas = scope_areas(f.path for f in ctx.files)
    text = stated_text(ctx)
    own = own_names(ctx.repo)
    return Scope(
        areas, frozenset(a for a, files in areas.items() if _mentioned(a, files, text, own))
    )


def _finding(
    rule: str, key: str, severity: Severity, title: str, body: str, conf: float
) -> Finding:
    return Finding(
        fingerprint=fingerprint(rule, key, ""),
        subagent=NAME,
        severity=severity,
        title=title,
        body=body,
        rule_ids=[rule],
        confidence=conf,
    )


def _scope_findings(scope: Scope) -> list[Finding]:
    if len(scope.areas) <= 1:
        return []
    if not scope.mentioned:
        areas = ", ".join(f"`{a}`" for a in scope.areas)
        return [
            _finding(
                "intent.scope-unstated",
                "",
                Severity.info,
                "Say which parts of the code base this changes",
                f"This pull request touches {len(scope.areas)} areas ({areas}) and its title, "
                "description and commit messages name none of them. Say what changes in each, "
                "so reviewers can tell intended changes from accidental ones.",
                0.6,
            )
        ]
    unstated = {a: f for a, f in scope.areas.items() if a not in scope.mentioned}
    if not unstated:
        return []
    code = any(is_code(p) for files in unstated.values() for p in files)
    listed = "\n".join(
        f"- `{area}`: "
        + ", ".join(f"`{p}`" for p in files[:5])
        + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        for area, files in unstated.items()
    )
    return [
        _finding(
            "intent.unstated-area",
            "",
            Severity.minor if code else Severity.info,
            f"{len(unstated)} changed area(s) are not mentioned in the description",
            f"These areas change, but the title, description and commits do not mention "
            f"them:\n\n{listed}\n\nExplain why they belong in this pull request, or move "
            "them to a separate one.",
            0.7,
        )
    ]


def _docs_title_findings(ctx: ReviewContext) -> list[Finding]:
    match = _DOCS_TITLE.search(ctx.title)
    if not match:
        return []
    code = [f.path for f in ctx.files if is_code(f.path) and not _comment_only(f)]
    if not code:
        return []
    listed = "\n".join(f"- `{p}`" for p in code[:10])
    return [
        _finding(
            "intent.docs-title-code-change",
            "",
            Severity.minor,
            "The title says documentation, but code changes",
            f"The title mentions {match.group(0).strip()!r}, yet these code files change beyond "
            f"comments:\n\n{listed}\n\nRetitle the pull request to describe the code change, or "
            "move it to its own pull request. (If only docstrings changed, say so.)",
            0.7,
        )
    ]


class IntentAgent(DeterministicSubAgent):
    """Flags changes outside the stated scope; the model part later checks alignment."""

    name = NAME
    model_part = "diff-versus-intent alignment review"

    def check(self, ctx: ReviewContext) -> list[Finding]:
        return _scope_findings(assess_scope(ctx)) + _docs_title_findings(ctx)

    def summary(self, ctx: ReviewContext, findings: list[Finding]) -> str:
        return assess_scope(ctx).summary()
