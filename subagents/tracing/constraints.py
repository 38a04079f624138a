"""Validations that constrain a named field, found in source text.

A value stored under ``title`` must fit whatever declares ``title`` elsewhere: a pydantic
``Field(max_length=64)`` or ``constr``, a Django model or form field, a marshmallow
``validate.Length``, an SQLAlchemy ``String(64)`` column, a ``VARCHAR(64)`` in SQL, a JSON
Schema ``maxLength``, a ``@field_validator("title")``. These are declarations with a
handful of spellings, so they are read from the statement that declares the field (its
line and continuation lines) rather than resolved: what matters is the limit and where
it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_STATEMENT_LINES = 8
_LIMITS = [
    re.compile(p)
    for p in (
        r"\bmax_length\s*=\s*(\d+)",
        r"[\"']?maxLength[\"']?\s*:\s*(\d+)",
        r"\bString\(\s*(?:length\s*=\s*)?(\d+)",
        r"\b(?:VARCHAR|NVARCHAR|CHAR|CHARACTER VARYING|varchar|char)\s*\(\s*(\d+)\s*\)",
        r"\bLength\([^)]*\bmax\s*=\s*(\d+)",
        r"\bMaxLengthValidator\(\s*(\d+)",
        r"\bmax_len\s*=\s*(\d+)",
    )
]
_OTHER = {
    "pattern": re.compile(
        r"\b(?:pattern|regex)\s*=|[\"']pattern[\"']\s*:|\bRegexp?\(|\bRegexValidator\("
    ),
    "choices": re.compile(r"\bchoices\s*=|\bOneOf\(|[\"']enum[\"']\s*:|\bLiteral\["),
    "minimum length": re.compile(r"\bmin_length\s*=|[\"']?minLength[\"']?\s*:"),
    "validator": re.compile(r"\b(?:EmailValidator|URLValidator|validators\s*=|validate\s*=)"),
}


@dataclass(frozen=True, slots=True)
class Constraint:
    path: str
    line: int
    field: str
    kind: str  # "max length" | "pattern" | "choices" | "minimum length" | "validator"
    limit: int | None = None  # characters, for a max length


def _statement(lines: list[str], start: int) -> str:
    """The statement starting at ``lines[start]``, joined while brackets stay open."""
    text, depth = "", 0
    for line in lines[start : start + MAX_STATEMENT_LINES]:
        text += line + "\n"
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if depth <= 0:
            break
    return text


def _declares(field: str) -> re.Pattern[str]:
    """Lines that declare ``field``: an attribute (``title = ``, ``title: str = ``), a key
    (``"title": {``), an SQL column (``title VARCHAR``) or a validator decorator."""
    name = re.escape(field)
    return re.compile(
        rf"^\s*(?:{name}\s*[:=]|[\"']{name}[\"']\s*:|{name}\s+[A-Za-z]+\s*\(|"
        rf"{name}\s+[A-Za-z ]*(?:VARCHAR|CHAR|varchar|char)\b|"
        rf"@[\w.]*validator\(\s*[\"']{name}[\"'])"
    )


def constraints_in(path: str, text: str, field: str) -> list[Constraint]:
    """Every validation of ``field`` declared in one file's ``text``."""
    if field not in text:
        return []
    lines = text.split("\n")
    pattern = _declares(field)
    found = []
    for index, line in enumerate(lines):
        if not pattern.match(line):
            continue
        statement = _statement(lines, index)
        if line.lstrip().startswith("@"):
            found.append(Constraint(path, index + 1, field, "validator"))
            continue
        limits = [int(m.group(1)) for p in _LIMITS for m in p.finditer(statement)]
        if limits:
            found.append(Constraint(path, index + 1, field, "max length", min(limits)))
        found += [
            Constraint(path, index + 1, field, kind)
            for kind, rule in _OTHER.items()
            if rule.search(statement)
        ]
    return found


def describe(constraint: Constraint, length: int | None) -> str:
    """One line for the reader: what the validation allows, against the new value."""
    if constraint.kind != "max length" or constraint.limit is None:
        return f"`{constraint.field}` is validated here ({constraint.kind})"
    allows = f"`{constraint.field}` allows at most {constraint.limit} characters"
    if length is not None and length > constraint.limit:
        return f"{allows}; the changed value has {length}: it will be rejected or truncated"
    return allows
