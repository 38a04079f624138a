"""Deterministic findings: a Python definition the change removes is still imported.

``from pkg.mod import gone`` fails at import time once ``gone`` is deleted, whatever a
model thinks, so this is the one thing the tracer reports as a finding on its own. It
checks only top-level ``def``/``class`` lines the patch removes and does not re-add, and
only names the head's module no longer binds (a moved name that is re-imported is fine).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from subagents.base import Finding, Severity, fingerprint
from subagents.tracing.candidates import files_mentioning
from subagents.tracing.graph import Tracer
from subagents.tracing.model import FileChange

_TOP_DEF = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")
MAX_FINDINGS = 20


def removed_names(change: FileChange) -> set[str]:
    """Top-level Python names whose definition line the patch deletes and does not re-add."""
    if not change.patch or not change.path.endswith(".py"):
        return set()
    removed: set[str] = set()
    added: set[str] = set()
    for raw in change.patch.splitlines():
        if raw.startswith(("---", "+++")):
            continue
        match = _TOP_DEF.match(raw[1:]) if raw[:1] in "+-" else None
        if match:
            (removed if raw[0] == "-" else added).add(match.group(1))
    return removed - added


def dangling_imports(tracer: Tracer, files: Iterable[FileChange], subagent: str) -> list[Finding]:
    project, resolver = tracer.project, tracer.resolver
    findings: list[Finding] = []
    for change in files:
        names = removed_names(change)
        if not names:
            continue
        module = project.modules.python_name(change.path)
        names_of_module = project.modules.aliases(change.path) | {module}
        head = change.path if change.status != "removed" else None
        gone = {n for n in names if head is None or resolver.top_level(head, n) is None}
        for path in files_mentioning(project, sorted(gone), "python"):
            facts = project.facts(path)
            for imp in facts.imports if facts else []:
                absolute = project.modules.python_relative(path, imp.module)
                if imp.name not in gone or absolute not in names_of_module:
                    continue
                title = f"`{module}.{imp.name}` was removed but is still imported here"
                findings.append(
                    Finding(
                        fingerprint=fingerprint(
                            "tracing.dangling-import", path, f"{module}.{imp.name}"
                        ),
                        subagent=subagent,
                        severity=Severity.major,
                        path=path,
                        start_line=imp.line,
                        end_line=imp.line,
                        title=title,
                        body=(
                            f"This change deletes `{imp.name}` from `{change.path}`, and "
                            f"`{path}` line {imp.line} still imports it, so importing "
                            f"`{path}` will raise ImportError."
                        ),
                        confidence=0.9,
                        evidence=f"{change.path} drops `{imp.name}`; {path}:{imp.line} imports it",
                    )
                )
    return findings[:MAX_FINDINGS]
