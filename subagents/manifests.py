"""Which part of a manifest a change touches: dependencies, the build system, or neither.

Editing ``pyproject.toml`` is rarely a dependency change (tool settings, metadata, lint
rules), so "changes a dependency manifest" is said only when a changed line sits in a
dependency table; a change to the build-system table or a build hook is riskier than a
dependency (it runs code at install time, the xz-utils backdoor's route, CVE-2024-3094).
Lines are placed by the table/section header above them in the new file (TOML, INI) or
by the top-level key (``package.json``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from reviewer.context import ChangedFile

Part = Literal["dependencies", "build", "other"]

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*$")
_TOP_KEY_TOML = re.compile(r"^([A-Za-z0-9_.\"-]+)\s*=")
_TOP_KEY_JSON = re.compile(r'^ {1,4}"([^"]+)"\s*:')
_DEP_TABLES = re.compile(
    r"^(?:dependency-groups|project\.optional-dependencies|tool\.poetry\.(?:dev-)?dependencies"
    r"|tool\.poetry\.group\.[^.]+\.dependencies|tool\.pdm\.dev-dependencies|tool\.uv\.sources"
    r"|packages|dev-packages|requires|options\.extras_require)$"
)
_DEP_KEYS = re.compile(
    r"^(?:dependencies|optional-dependencies|install_requires|requires|dev-dependencies"
    r"|devDependencies|peerDependencies|optionalDependencies|bundledDependencies|overrides"
    r"|resolutions)$"
)
_BUILD_TABLES = re.compile(
    r"^(?:build-system|tool\.setuptools\.cmdclass|tool\.hatch\.build\.hooks(?:\..+)?"
    r"|tool\.hatch\.build\.targets\.[^.]+\.hooks(?:\..+)?|tool\.pdm\.build|tool\.poetry\.build"
    r"|tool\.scikit-build(?:\..+)?|tool\.maturin)$"
)
_JSON_BUILD_KEYS = frozenset({"preinstall", "install", "postinstall", "prepare", "prepublish",
                              "preprepare", "postprepare"})  # fmt: skip


def _changed_new_lines(file: ChangedFile) -> list[int]:
    """New-side line numbers of added lines, and of the line where each removal happened."""
    lines: list[int] = []
    new = 0
    for raw in (file.patch or "").splitlines():
        if header := _HUNK.match(raw):
            new = int(header.group(1))
        elif raw.startswith("+"):
            lines.append(new)
            new += 1
        elif raw.startswith("-"):
            lines.append(max(new, 1))
        elif not raw.startswith("\\"):
            new += 1
    return lines


def part_at(lines: list[str], number: int, json_file: bool) -> Part:
    """The part of the manifest that holds 1-based new-file line ``number``."""
    table, key = "", ""
    for text in lines[: max(number, 1)]:
        if json_file:
            if match := _TOP_KEY_JSON.match(text):
                key = match.group(1)
            continue
        if match := _HEADER.match(text):
            table, key = match.group(1).replace('"', ""), ""
        elif match := _TOP_KEY_TOML.match(text):
            key = match.group(1).strip('"')
    if json_file:
        current = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        script = re.match(r'"([^"]+)"\s*:', current)
        if key == "scripts" and script and script.group(1) in _JSON_BUILD_KEYS:
            return "build"
        return "dependencies" if _DEP_KEYS.match(key) else "other"
    if _BUILD_TABLES.match(table):
        return "build"
    if _DEP_TABLES.match(table) or (table in ("project", "options", "") and _DEP_KEYS.match(key)):
        return "dependencies"
    return "other"


def changed_parts(file: ChangedFile, head_text: str | None) -> set[Part]:
    """The parts of a manifest its patch changes; unknown content counts as dependencies."""
    if head_text is None:
        return {"dependencies"}
    lines = head_text.splitlines()
    json_file = file.path.endswith(".json")
    return {part_at(lines, n, json_file) for n in _changed_new_lines(file)}
