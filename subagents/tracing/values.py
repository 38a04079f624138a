"""The values a change touches: string literals, module constants, enum members, fields.

A one-line copy change can break code that never calls the changed function: a title that
now exceeds the length a model field allows, a constant that a settings check compares
with. This module finds, in a changed Python file, each value on a touched line and where
it is stored (its *sink*: the keyword, dict key, attribute or name it is assigned to), so
``flows`` can follow it to other uses and to the validations of those fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from subagents.tracing import languages

MIN_LITERAL = 8
MAX_VALUES = 20
_OLD_LITERAL = re.compile(r"""(?<![\w])[rbuRBU]{0,2}(["'])((?:\\.|(?!\1).){8,}?)\1""")
_SKIP_UP = {"concatenated_string", "parenthesized_expression", "binary_operator"}


@dataclass(frozen=True, slots=True)
class Sink:
    """Where a value is stored: ``field`` of ``owner`` (``Banner`` in ``Banner(title=...)``)."""

    field: str
    owner: str | None
    line: int


@dataclass(slots=True)
class Value:
    """One changed value. ``name`` is the constant, member or field it binds (dotted within
    the module: ``COPY`` or ``Color.RED``); ``texts`` the literals to look for verbatim
    (the new one, and old ones the change removed)."""

    path: str
    line: int
    scope: str  # qualified-within-module name the edges lead back to ("" for the module)
    name: str | None = None
    texts: list[str] = field(default_factory=list)
    length: int | None = None  # characters of the new literal
    sinks: list[Sink] = field(default_factory=list)
    member: bool = False  # an enum member or class attribute, not a module constant
    signature: str = ""  # the source line, for the reader


def _text(node: ts.Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def literal(node: ts.Node) -> str | None:
    """The content of a plain string literal (None for f-strings with interpolations)."""
    if any(c.type == "interpolation" for c in node.children):
        return None
    return "".join(
        _text(c) for c in node.children if c.type in {"string_content", "escape_sequence"}
    )


def _scope(node: ts.Node) -> tuple[str, ts.Node | None]:
    """The dotted def/class path around ``node`` and the innermost class, if directly in one."""
    names, cls, parent = [], None, node.parent
    while parent is not None:
        if parent.type in {"function_definition", "class_definition"}:
            names.append(_text(parent.child_by_field_name("name")))
            if parent.type == "class_definition" and cls is None and len(names) == 1:
                cls = parent
        parent = parent.parent
    return ".".join(reversed(names)), cls


def _callee(node: ts.Node) -> str | None:
    call = node.parent.parent if node.parent is not None else None
    if call is None or call.type != "call":
        return None
    return "".join(_text(call.child_by_field_name("function")).split()) or None


def _sink(node: ts.Node) -> tuple[Sink | None, ts.Node | None]:
    """Where ``node``'s value goes, and the assignment that binds it to a name, if any."""
    while node.parent is not None and node.parent.type in _SKIP_UP:
        node = node.parent
    parent = node.parent
    line = node.start_point[0] + 1
    if parent is None:
        return None, None
    if parent.type == "keyword_argument":
        return Sink(_text(parent.child_by_field_name("name")), _callee(parent), line), None
    if parent.type == "pair" and parent.child_by_field_name("value") == node:
        key = parent.child_by_field_name("key")
        key_text = literal(key) if key is not None and key.type == "string" else None
        return (Sink(key_text, None, line), None) if key_text else (None, None)
    if parent.type in {"default_parameter", "typed_default_parameter"}:
        return Sink(_text(parent.child_by_field_name("name")), None, line), None
    if parent.type == "assignment" and parent.child_by_field_name("right") == node:
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "attribute":
            owner = _text(left.child_by_field_name("object"))
            return Sink(_text(left.child_by_field_name("attribute")), owner, line), None
        return None, parent
    return None, None


def _binding(assignment: ts.Node) -> tuple[str | None, bool]:
    """The module constant or class attribute an assignment binds (``Color.RED``), and
    whether it is a class member; None for a local variable."""
    left = assignment.child_by_field_name("left")
    if left is None or left.type != "identifier":
        return None, False
    statement = assignment.parent
    holder = statement.parent if statement is not None else None
    if holder is not None and holder.type == "module":
        return _text(left), False
    cls = holder.parent if holder is not None and holder.type == "block" else None
    if cls is not None and cls.type == "class_definition":
        scope, _ = _scope(left)
        return f"{scope}.{_text(left)}" if scope else _text(left), True
    return None, False


def _is_docstring(node: ts.Node) -> bool:
    parent = node.parent
    return (
        parent is not None
        and parent.type == "expression_statement"
        and parent.named_child_count == 1
    )


def changed_values(path: str, data: bytes, touched: set[int], removed: list[str]) -> list[Value]:
    """Values on the ``touched`` (1-based) lines of a Python file's head ``data``;
    ``removed`` are the patch's deleted lines, whose literals are searched for too."""
    tree = languages.parser("python").parse(data)
    found: dict[tuple[str, int], Value] = {}
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        first, last = node.start_point[0] + 1, node.end_point[0] + 1
        if not any(first <= t <= last for t in touched):
            continue
        stack.extend(node.children)
        if node.type == "string" and first in touched and not _is_docstring(node):
            text = literal(node)
            if text is None or len(text) < MIN_LITERAL:
                continue
            sink, binder = _sink(node)
            name, member = _binding(binder) if binder is not None else (None, False)
            scope = name or _scope(node)[0]
            value = found.setdefault((scope, first), Value(path, first, scope, name, member=member))
            value.texts.append(text)
            value.length = max(value.length or 0, len(text))
            if sink is not None:
                value.sinks.append(sink)
        elif node.type == "assignment" and first in touched:
            name, member = _binding(node)
            if name is not None:
                found.setdefault((name, first), Value(path, first, name, name, member=member))
    values = sorted(found.values(), key=lambda v: v.line)
    lines = data.split(b"\n")
    for value in values:
        value.signature = lines[value.line - 1].decode("utf-8", "replace").strip()[:200]
    olds = [m.group(2) for line in removed for m in _OLD_LITERAL.finditer(line)]
    news = {t for v in values for t in v.texts}
    stale = [t for t in dict.fromkeys(olds) if t not in news and "\\" not in t]
    if stale and values:
        values[0].texts.extend(stale)
    return values[:MAX_VALUES]
