'''Which changed lines of a Python patch sit inside a triple-quoted string (a docstring),
judged from the patch alone: reviews get hunks, not whole files.

Each hunk side (old: context and removed lines; new: context and added lines) is walked
in order, toggling at every triple quote. Whether the hunk starts inside a string is read
from its first triple quote: one that ends its line and opens nothing (``text."""`` or a
bare ``"""`` not right after a ``def``/``class`` header) closes a string the hunk began in.
A wrong guess only costs a docs-title finding, never a gate.
'''

from __future__ import annotations

import re

_QUOTE = re.compile(r'"""|\'\'\'')
_OPENS = re.compile(r'^[rRuUbBfF]{0,2}("""|\'\'\')')
_VALUE_STARTS = ("=", "(", "[", "{", ",", ":", "return", "+")
_HEADER = re.compile(r"^\s*(?:async\s+)?(?:def|class)\b.*:\s*(?:#.*)?$")


def _sides(patch: str) -> list[list[tuple[bool, str]]]:
    """Each hunk's new side and old side: ``(changed, text)`` per line."""
    sides: list[list[tuple[bool, str]]] = []
    new: list[tuple[bool, str]] = []
    old: list[tuple[bool, str]] = []
    for line in patch.splitlines():
        if line.startswith("@@"):
            sides += [new, old]
            new, old = [], []
        elif line.startswith("+"):
            new.append((True, line[1:]))
        elif line.startswith("-"):
            old.append((True, line[1:]))
        elif not line.startswith("\\"):
            new.append((False, line[1:]))
            old.append((False, line[1:]))
    return [side for side in [*sides, new, old] if side]


def _starts_inside(lines: list[tuple[bool, str]]) -> bool:
    previous = ""
    for _, text in lines:
        tokens = _QUOTE.findall(text)
        if not tokens:
            previous = text if text.strip() else previous
            continue
        stripped = text.strip()
        if len(tokens) > 1 or not stripped.endswith(tokens[0]):
            return False  # the first quote opens a string (and maybe closes it too)
        before = stripped[: -len(tokens[0])].rstrip()
        if not before:  # a bare quote closes, unless a def's docstring opens with it
            return _HEADER.match(previous) is None
        return not before.endswith(_VALUE_STARTS) and not _OPENS.match(stripped)
    return False


def changed_outside_strings(patch: str) -> list[str]:
    """The changed lines (either side) that are not inside, or opening, a string block."""
    outside: list[str] = []
    for lines in _sides(patch):
        inside = _starts_inside(lines)
        for changed, text in lines:
            if changed and not inside and not _OPENS.match(text.strip()):
                outside.append(text)
            inside ^= len(_QUOTE.findall(text)) % 2 == 1
    return outside
