"""Translate Go RE2 regex syntax into Python ``re`` syntax.

gitleaks' rules are written for Go's ``regexp`` package. Almost all of RE2 is valid
Python, but four constructs differ, and we translate exactly those rather than rewrite
rules by hand (so a newer gitleaks rule file drops in unchanged):

- an inline flag group such as ``(?i)`` in the middle of a pattern: RE2 applies it to
  the rest of the enclosing group; Python only accepts global flags at the very start.
  We wrap the rest of the group, alternative by alternative, in ``(?i:...)``;
- ``\\z`` (end of text) is ``\\Z`` in Python;
- POSIX classes such as ``[[:alnum:]]`` become explicit ASCII ranges;
- RE2's ``\\s``, ``\\w``, ``\\d`` and ``\\b`` are ASCII-only, so patterns are compiled
  with ``re.ASCII`` (see :func:`compile_re2`).

Anything else that does not compile is reported by :func:`compile_re2` returning
``None``; callers skip and count such rules.
"""

from __future__ import annotations

import re
import warnings

POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "space": r"\t\n\v\f\r ",
    "xdigit": "0-9A-Fa-f",
    "word": r"\w",
    "punct": r"!-/:-@\[-`{-~",
}
_INLINE_FLAGS = re.compile(r"\(\?([a-zA-Z]+)\)")


def _class_end(pattern: str, start: int) -> tuple[int, str]:
    """Index after the character class opening at ``start``, and the class translated."""
    out = ["["]
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        out.append("^")
        i += 1
    if i < len(pattern) and pattern[i] == "]":  # a leading ] is a literal
        out.append(r"\]")
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        posix = re.match(r"\[:(\^?)(\w+):\]", pattern[i:])
        if posix and posix.group(2) in POSIX_CLASSES and not posix.group(1):
            out.append(POSIX_CLASSES[posix.group(2)])
            i += posix.end()
            continue
        if pattern[i] == "[":  # a literal [ inside a class; escape to avoid nested-set warnings
            out.append(r"\[")
        else:
            out.append(pattern[i])
        i += 1
    out.append("]")
    return i + 1, "".join(out)


def translate(pattern: str) -> str:
    """The Python spelling of an RE2 pattern (see the module docstring for what changes)."""
    out: list[str] = []
    # per open group: the inline flags in force that we wrapped, so we can close and reopen
    stack: list[list[str]] = [[]]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            pair = pattern[i : i + 2]
            out.append(r"\Z" if pair == r"\z" else pair)
            i += 2
        elif ch == "[":
            i, text = _class_end(pattern, i)
            out.append(text)
        elif (flags := _INLINE_FLAGS.match(pattern, i)) and i > 0:
            out.append(f"(?{flags.group(1)}:")
            stack[-1].append(flags.group(1))
            i = flags.end()
        elif ch == "(":
            stack.append([])
            out.append(ch)
            i += 1
        elif ch == ")":
            out.append(")" * len(stack.pop()) + ")")
            if not stack:  # unbalanced; let re.compile report it
                stack.append([])
            i += 1
        elif ch == "|" and stack[-1]:
            wrapped = stack[-1]
            out.append(")" * len(wrapped) + "|" + "".join(f"(?{f}:" for f in wrapped))
            i += 1
        else:
            out.append(ch)
            i += 1
    out.append(")" * len(stack[-1]))
    return "".join(out)


_HERE = re.compile(re.escape(__name__) + r"\Z")


def _own_warnings_are_errors() -> None:
    """A FutureWarning (or DeprecationWarning) from ``re`` about a pattern means its meaning
    may differ from RE2's; ``re`` names the line that called ``re.compile`` as its source,
    so this filter turns exactly the warnings about patterns compiled here into errors.
    Unlike ``catch_warnings`` it leaves every other module's warnings alone, so patterns can
    compile on any thread, when first needed."""
    for category in (FutureWarning, DeprecationWarning):
        if ("error", None, category, _HERE, 0) not in warnings.filters:
            warnings.filterwarnings("error", category=category, module=_HERE.pattern)


def compile_re2(pattern: str) -> re.Pattern[str] | None:
    """Compile an RE2 pattern for Python, or ``None`` when Python cannot express it."""
    _own_warnings_are_errors()  # again each time: a caller's catch_warnings may have reset it
    try:
        return re.compile(translate(pattern), re.ASCII)
    except (re.error, FutureWarning, DeprecationWarning):
        return None
