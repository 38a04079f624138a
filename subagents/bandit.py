"""Security rules for changed Python, by rule and not by model: ruff's flake8-bandit (``S``).

Ruff parses each changed Python file at the head commit (read from the tree source) and
runs the selected ``S`` rules; a diagnostic counts only on a line the PR adds, so old
code is not blamed on a new PR. Ruff is a pinned runtime dependency run as a subprocess
(``python -m ruff`` finds its binary). Tests are left out: fixtures call ``verify=False``
and ``shell=True`` on purpose. When ruff cannot run or parse a file, ``scan`` says so and
the safety scan keeps its regex rules for that file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from reviewer.paths import is_test_path
from subagents.base import Finding, Severity, fingerprint

if TYPE_CHECKING:
    from reviewer.context import ChangedFile, ReviewContext

log = structlog.get_logger(__name__)

MAJOR, MINOR = Severity.major, Severity.minor
# code -> (severity, guidance rule it stands for, so a pattern hit on the line merges)
RULES: dict[str, tuple[Severity, str | None]] = {
    "S102": (MAJOR, None),  # exec
    "S103": (MAJOR, None),  # world-writable chmod
    "S105": (MAJOR, "sec.hardcoded-credential"),
    "S106": (MAJOR, "sec.hardcoded-credential"),
    "S107": (MAJOR, "sec.hardcoded-credential"),
    "S201": (MAJOR, None),  # Flask debug=True
    "S301": (MAJOR, None),  # pickle
    "S302": (MAJOR, None),  # marshal
    "S307": (MAJOR, None),  # eval
    "S323": (MAJOR, "sec.tls-verify-disabled"),
    "S324": (MAJOR, "sec.weak-hash"),
    "S501": (MAJOR, "sec.tls-verify-disabled"),
    "S502": (MAJOR, None),  # ssl with a bad version
    "S503": (MAJOR, None),
    "S504": (MAJOR, None),
    "S506": (MAJOR, None),  # yaml.load
    "S601": (MAJOR, None),  # paramiko exec_command
    "S602": (MAJOR, None),  # subprocess with shell=True
    "S604": (MAJOR, None),
    "S605": (MAJOR, None),  # os.system and friends
    "S608": (MAJOR, "sec.sql-string-building"),
    "S611": (MAJOR, "sec.sql-string-building"),  # Django RawSQL
    "S701": (MAJOR, None),  # jinja2 autoescape=False
    "S702": (MAJOR, None),  # mako templates
    "S704": (MINOR, None),  # markupsafe.Markup on data
}
TIMEOUT = 60


@dataclass(frozen=True)
class Diagnostic:
    code: str
    path: str
    line: int
    message: str


class RuffUnavailable(Exception):
    """Ruff could not run; the caller falls back to the regex rules."""


def python_files(ctx: ReviewContext) -> list[ChangedFile]:
    return [
        f
        for f in ctx.files
        if f.path.endswith((".py", ".pyi"))
        and f.status != "removed"
        and f.patch
        and not is_test_path(f.path)
        and f.added_lines()
    ]


def run_ruff(sources: dict[str, bytes]) -> list[Diagnostic]:
    """Ruff's ``S`` diagnostics for files given by repo-relative path and content."""
    with tempfile.TemporaryDirectory(prefix="reviewer-ruff-") as tmp:
        root = Path(tmp)
        for path, data in sources.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache",
                 "--exit-zero", "--output-format", "json", "--select", ",".join(RULES),
                 *sources],
                cwd=root, capture_output=True, text=True, timeout=TIMEOUT, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuffUnavailable(type(exc).__name__) from exc
        if proc.returncode != 0:
            raise RuffUnavailable(f"ruff exited with {proc.returncode}")
        rows = json.loads(proc.stdout or "[]")
    return [
        Diagnostic(row["code"], Path(row["filename"]).relative_to(root).as_posix(),
                   row["location"]["row"], row["message"])
        for row in rows
        if row.get("code") in RULES
    ]  # fmt: skip


def scan(ctx: ReviewContext, subagent: str) -> tuple[list[Finding], set[str]]:
    """Findings on added lines, and the paths ruff checked (the rest keep regex rules)."""
    files = python_files(ctx)
    if not files:
        return [], set()
    try:
        sources = ctx.head_contents({f.path for f in files})
        diagnostics = run_ruff(sources) if sources else []
    except RuffUnavailable as exc:
        log.warning("ruff_unavailable", reason=str(exc))
        return [], set()
    added = {f.path: dict(f.added_lines()) for f in files}
    out = []
    for d in diagnostics:
        text = added.get(d.path, {}).get(d.line)
        if text is None:
            continue
        severity, guidance = RULES[d.code]
        out.append(
            Finding(
                fingerprint=fingerprint(f"ruff.{d.code}", d.path, text),
                subagent=subagent,
                severity=severity,
                path=d.path,
                start_line=d.line,
                end_line=d.line,
                title=f"{d.message} (ruff `{d.code}`)",
                body=f"{d.message}.\n\n_Found by ruff's flake8-bandit rule `{d.code}` "
                "(https://docs.astral.sh/ruff/rules/#flake8-bandit-s)._",
                rule_ids=[f"ruff.{d.code}", *([guidance] if guidance else [])],
            )
        )
    return out, set(sources)
