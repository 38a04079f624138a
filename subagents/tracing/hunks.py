"""Symbols named in diff hunks, by regex: the tracer's fallback when it has no tree.

Without the repository tree (a context built from patches alone) the tracer cannot
resolve anything, but the definitions visible in the hunks, and the enclosing names git
puts in hunk headers, still tell a reviewer where to look.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.context import ChangedFile

_HUNK = re.compile(r"^@@ [^@]* @@ ?(.*)$")
_DEFINITION = {
    "py": re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)"),
    "js": re.compile(
        r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\s*\*?|class)\s+([A-Za-z_$][\w$]*)"
    ),
    "go": re.compile(
        r"^\s*func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)|^\s*type\s+([A-Za-z_]\w*)\s+struct"
    ),
    "java": re.compile(
        r"^\s*+(?!(?:return|new|else|throw|case)\b)"
        r"(?:(?:public|private|protected|static|final|abstract|synchronized)\s+)*"
        r"(?:class|interface|enum|record|[\w<>\[\], ]+?)\s+([A-Za-z_]\w*)\s*[({<]"
    ),
}
_LANGUAGE = {"py": "py", "js": "js", "jsx": "js", "mjs": "js", "cjs": "js", "ts": "js",
             "tsx": "js", "go": "go", "java": "java"}  # fmt: skip
_JAVA_NOT_NAMES = frozenset({"if", "for", "while", "switch", "catch", "synchronized"})


def _symbols_in(file: ChangedFile) -> list[str]:
    language = _LANGUAGE.get(file.path.rsplit(".", 1)[-1].lower()) if file.patch else None
    if language is None or file.patch is None:
        return []
    definition = _DEFINITION[language]
    names: list[str] = []
    for raw in file.patch.splitlines():
        header = _HUNK.match(raw)
        text = header.group(1) if header else raw[1:]
        match = definition.match(text)
        name = next((g for g in match.groups() if g), None) if match else None
        if name and name not in names and name not in _JAVA_NOT_NAMES:
            names.append(name)
    return names


def changed_symbols(files: tuple[ChangedFile, ...]) -> list[tuple[str, str]]:
    """(path, name) of every definition seen in the changed hunks, in diff order."""
    return [(f.path, name) for f in files for name in _symbols_in(f)]
