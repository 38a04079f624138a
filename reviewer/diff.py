"""Unified-diff parsing shared by the checks and by inline-comment anchoring."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class ParsedPatch:
    """Line numbers present on each side of one file's patch, and the changed text."""

    added: list[tuple[int, str]] = field(default_factory=list)
    removed: list[tuple[int, str]] = field(default_factory=list)
    right_lines: frozenset[int] = frozenset()
    left_lines: frozenset[int] = frozenset()

    def has_line(self, line: int, side: str) -> bool:
        return line in (self.right_lines if side == "RIGHT" else self.left_lines)


def parse_patch(patch: str) -> ParsedPatch:
    """Parse the hunks of a GitHub-style file patch (no ``diff --git`` header needed)."""
    added: list[tuple[int, str]] = []
    removed: list[tuple[int, str]] = []
    right: set[int] = set()
    left: set[int] = set()
    old = new = 0
    in_hunk = False
    for raw in patch.splitlines():
        match = _HUNK.match(raw)
        if match:
            old, new = int(match.group(1)), int(match.group(3))
            in_hunk = True
            continue
        if not in_hunk or raw.startswith("\\"):
            continue
        marker, text = raw[:1], raw[1:]
        if marker == "+":
            added.append((new, text))
            right.add(new)
            new += 1
        elif marker == "-":
            removed.append((old, text))
            left.add(old)
            old += 1
        elif marker == " " or raw == "":
            right.add(new)
            left.add(old)
            old += 1
            new += 1
        else:
            in_hunk = False
    return ParsedPatch(added, removed, frozenset(right), frozenset(left))


@dataclass(frozen=True)
class FileDiff:
    """One file's section of ``git diff`` output."""

    path: str
    old_path: str | None
    status: str
    binary: bool
    patch: str | None


_DIFF_HEADER = re.compile(r"^diff --git a/(.+?) b/(.+)$")


def split_git_diff(text: str) -> list[FileDiff]:
    """Split ``git diff`` output into per-file patches in the shape GitHub's files API uses."""
    sections: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("diff --git "):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return [_file_diff(section) for section in sections]


def _file_diff(lines: list[str]) -> FileDiff:
    header = _DIFF_HEADER.match(lines[0])
    old_path = new_path = header.group(2) if header else lines[0].split(" b/", 1)[-1]
    if header:
        old_path = header.group(1)
    status = "modified"
    binary = False
    body_start = None
    for index, line in enumerate(lines[1:], start=1):
        if line.startswith("new file mode"):
            status = "added"
        elif line.startswith("deleted file mode"):
            status = "removed"
        elif line.startswith("rename from "):
            status, old_path = "renamed", line[len("rename from ") :]
        elif line.startswith("rename to "):
            new_path = line[len("rename to ") :]
        elif line.startswith("Binary files ") or line == "GIT binary patch":
            binary = True
        elif line.startswith("@@"):
            body_start = index
            break
    patch = "\n".join(lines[body_start:]) if body_start is not None else None
    return FileDiff(
        path=new_path,
        old_path=old_path if status == "renamed" else None,
        status=status,
        binary=binary,
        patch=patch,
    )
