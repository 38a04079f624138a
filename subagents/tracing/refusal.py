"""Input the parser must not read: binary, oversized or minified blobs, and trees that
are mostly parse errors. Refused files are counted in ``skipped``, never traced."""

from __future__ import annotations

import tree_sitter as ts

MAX_FILE_BYTES = 1_000_000
LONG_LINE = 1000  # bytes: longer than any hand-written line


def refuse(data: bytes) -> str | None:
    """Why a blob must not be parsed (binary, oversized, minified), or None."""
    if len(data) > MAX_FILE_BYTES:
        return "oversized"
    if b"\x00" in data[:8192]:
        return "binary"
    if len(data) > 20_000 and _mostly_long_lines(data):
        return "minified"
    return None


def _mostly_long_lines(data: bytes) -> bool:
    """Minified or generated: the average line is long, or most bytes sit on very long
    lines. One long line (a fixture string in a test) does not make a file minified."""
    lines = data.split(b"\n")
    if len(data) / len(lines) > 300:
        return True
    return sum(len(line) for line in lines if len(line) > LONG_LINE) > len(data) / 2


def error_fraction(root: ts.Node) -> float:
    """Bytes under outermost ERROR nodes, over the file's bytes."""
    if not root.has_error or root.end_byte == 0:
        return 0.0
    covered, stack = 0, [root]
    while stack:
        node = stack.pop()
        if node.is_error:
            covered += node.end_byte - node.start_byte
        elif node.has_error:
            stack.extend(node.children)
    return covered / max(root.end_byte - root.start_byte, 1)
