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
    hunks: dict[tuple[str, int], int] = field(default_factory=dict)  # (side, line) -> hunk

    def has_line(self, line: int, side: str) -> bool:
        return line in (self.right_lines if side == "RIGHT" else self.left_lines)

    def hunk_of(self, line: int, side: str) -> int | None:
        """Which hunk shows ``line`` on ``side`` (GitHub anchors a range within one)."""
        return self.hunks.get((side, line))


def parse_patch(patch: str) -> ParsedPatch:
    """Parse the hunks of a GitHub-style file patch (no ``diff --git`` header needed)."""
    added: list[tuple[int, str]] = []
    removed: list[tuple[int, str]] = []
    right: set[int] = set()
    left: set[int] = set()
    hunks: dict[tuple[str, int], int] = {}
    old = new = 0
    hunk = -1
    in_hunk = False
    # Lines end at "\n" only: ``splitlines`` would also cut at U+2028, form feeds and the
    # like inside an added line, and the text after such a character would go unscanned.
    for raw in patch.removesuffix("\n").split("\n"):
        raw = raw.removesuffix("\r")
        match = _HUNK.match(raw)
        if match:
            old, new = int(match.group(1)), int(match.group(3))
            in_hunk = True
            hunk += 1
            continue
        if not in_hunk or raw.startswith("\\"):
            continue
        marker, text = raw[:1], raw[1:]
        if marker == "+":
            added.append((new, text))
            right.add(new)
            hunks["RIGHT", new] = hunk
            new += 1
        elif marker == "-":
            removed.append((old, text))
            left.add(old)
            hunks["LEFT", old] = hunk
            old += 1
        elif marker == " " or raw == "":
            right.add(new)
            left.add(old)
            hunks["RIGHT", new] = hunks["LEFT", old] = hunk
            old += 1
            new += 1
        else:
            in_hunk = False
    return ParsedPatch(added, removed, frozenset(right), frozenset(left), hunks)


SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"


@dataclass(frozen=True)
class FileDiff:
    """One file of a ``git diff``: names and modes from ``--raw -z`` (exact, whatever bytes a
    path holds), the hunks from the patch output."""

    path: str
    old_path: str | None
    status: str
    binary: bool
    patch: str | None
    mode: str = ""
    old_mode: str = ""


@dataclass(frozen=True)
class RawEntry:
    """One record of ``git diff --raw -z``."""

    old_mode: str
    new_mode: str
    letter: str
    path: str
    old_path: str | None


_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied"}


def parse_raw(raw: str) -> list[RawEntry]:
    """Parse ``git diff --raw -z`` output: NUL-separated, so no path is ever quoted or split."""
    fields = raw.split("\0")
    entries: list[RawEntry] = []
    index = 0
    while index < len(fields) and fields[index].startswith(":"):
        meta = fields[index][1:].split()
        if len(meta) != 5:
            raise ValueError(f"unexpected git diff --raw record: {fields[index][:80]!r}")
        old_mode, new_mode, _, _, status = meta
        letter = status[:1]
        if letter in "RC":
            old_path, path = fields[index + 1], fields[index + 2]
            index += 3
        else:
            old_path, path = None, fields[index + 1]
            index += 2
        entries.append(RawEntry(old_mode, new_mode, letter, path, old_path))
    return entries


def split_sections(patch: str) -> list[list[str]]:
    """The patch output cut at each ``diff --git`` line (a content line always starts with
    ``+``, ``-``, space or ``\\``, so it can never be mistaken for one)."""
    sections: list[list[str]] = []
    for line in patch.split("\n"):
        if line.startswith("diff --git "):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return sections


def pair_diff(raw: str, patch: str) -> list[FileDiff]:
    """Join ``--raw -z`` records with the patch sections of the same diff, in order.

    Paths come only from the raw records: the ``diff --git a/x b/y`` header is ambiguous
    (a path may contain `` b/``) and quoted when a path holds unusual bytes. A type change
    (file to symlink) is two sections for one record. A mismatch raises ``ValueError``.
    """
    entries = parse_raw(raw)
    sections = split_sections(patch)
    files: list[FileDiff] = []
    position = 0
    for entry in entries:
        count = 2 if entry.letter == "T" else 1
        own = sections[position : position + count]
        position += count
        if len(own) != count:
            raise ValueError("git diff --raw and the patch disagree on the number of files")
        bodies = [_body(section) for section in own]
        hunks = [body for body in bodies if body is not None]
        files.append(
            FileDiff(
                path=entry.path,
                old_path=entry.old_path if entry.letter == "R" else None,
                status=_STATUS.get(entry.letter, "changed"),
                binary=any(_is_binary(section) for section in own),
                patch="\n".join(hunks) if hunks else None,
                mode=entry.new_mode,
                old_mode=entry.old_mode,
            )
        )
    if position != len(sections):
        raise ValueError("git diff --raw and the patch disagree on the number of files")
    return files


def _header(section: list[str]) -> list[str]:
    end = next((i for i, line in enumerate(section) if line.startswith("@@")), len(section))
    return section[:end]


def _is_binary(section: list[str]) -> bool:
    return any(
        line.startswith("Binary files ") or line == "GIT binary patch" for line in _header(section)
    )


def _body(section: list[str]) -> str | None:
    start = len(_header(section))
    return "\n".join(section[start:]) if start < len(section) else None
