"""``reviewer --help`` and a local review stay fast, and every command follows the CLI
conventions.

The import guard runs the real console entry in a fresh interpreter and reads the import
tree Python itself reports (``-X importtime``), so a failure names the CLI module that
pulled a heavy package in and the chain it came through.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewer.cli.main import app
from reviewer.store.db import open_database

# Packages a start-up must not load: each costs tens to hundreds of milliseconds, and
# `reviewer --help` (and the command tree every command builds first) needs none of them.
HEAVY = {
    "alembic", "anthropic", "cryptography", "detect_secrets", "fastapi", "github", "httpx",
    "jwt", "openai", "procrastinate", "prometheus_client", "psycopg", "pydantic",
    "pydantic_settings", "sqlalchemy", "starlette", "structlog", "tree_sitter", "uvicorn",
    "yaml",
}  # fmt: skip
HEAVY_OURS = (
    "reviewer.app", "reviewer.audit", "reviewer.github", "reviewer.llm", "reviewer.pipeline",
    "reviewer.runtime", "reviewer.settings", "reviewer.store", "subagents",
)  # fmt: skip

# What a local review (no model, decision appended to the audit log) never needs: the
# audit log is Core tables, so neither the ORM nor the job queue; no web app, no GitHub,
# no model SDK; cryptography only when a signing key is set. (~0.15 s together.)
REVIEW_HEAVY = {
    "alembic", "anthropic", "cryptography", "fastapi", "github", "httpx", "jwt", "openai",
    "procrastinate", "prometheus_client", "psycopg", "starlette", "uvicorn",
}  # fmt: skip
REVIEW_HEAVY_OURS = (
    "reviewer.app", "reviewer.github", "reviewer.llm.factory", "reviewer.queue.sqlite",
    "reviewer.store.models", "reviewer.worker", "sqlalchemy.orm",
)  # fmt: skip

TYPE_HINT = re.compile(r"<(int|float|str|bool|path|datetime|[\w-]+(\|[\w-]+)+)>")
_ENTRY = "import sys; from reviewer.cli.main import app; sys.argv = ['reviewer', *{args!r}]; app()"


def _import_tree(*args: str, env: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(depth, module) of every import the command made, in Python's post-order."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _ENTRY.format(args=list(args))],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    tree = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1]
            stripped = name.lstrip(" ")
            tree.append(((len(name) - len(stripped)) // 2, stripped.strip()))
    return tree


def _offenders(
    tree: list[tuple[int, str]],
    heavy_packages: set[str] = HEAVY,
    heavy_modules: tuple[str, ...] = HEAVY_OURS,
) -> dict[str, list[str]]:
    """Each heavy module loaded, with the chain of imports that brought it in."""
    found: dict[str, list[str]] = {}
    ancestors: list[tuple[int, str]] = []
    for depth, name in reversed(tree):  # parents come after their children
        while ancestors and ancestors[-1][0] >= depth:
            ancestors.pop()
        ancestors.append((depth, name))
        heavy = name.split(".")[0] in heavy_packages or name.startswith(heavy_modules)
        if heavy and name.split(".")[0] not in {n.split(".")[0] for n in found}:
            found[name] = [n for _, n in ancestors]
    return found


@pytest.mark.parametrize("arg", ["--help", "--version"])
def test_start_up_imports_no_heavy_module(arg: str) -> None:
    offenders = _offenders(_import_tree(arg))
    chains = "\n".join(f"  {' -> '.join(chain)}" for chain in offenders.values())
    assert not offenders, (
        f"`reviewer {arg}` imported heavy modules:\n{chains}\n"
        "Every module under reviewer/cli/ is imported at start-up, whatever the command. "
        "Move the import into the command function that uses it (types for annotations "
        "go under `if TYPE_CHECKING:`); choices for options must be plain enums in a "
        "module that imports no pydantic (see reviewer/queue/states.py). "
        "See the docstring of reviewer/cli/main.py."
    )


def test_a_local_review_imports_only_what_it_uses(git_repo, tmp_path: Path) -> None:
    git_repo.commit("Initial import", {"orders.py": "def total(items):\n    return sum(items)\n"})
    git_repo.commit(
        "Apply a discount",
        {"orders.py": "def total(items, discount=0):\n    return sum(items) - discount\n"},
    )
    url = f"sqlite:///{tmp_path / 'reviewer.db'}"
    open_database(url).dispose()  # created and migrated as by an earlier run (Alembic, ORM)
    env = {**os.environ, "REVIEWER_DATABASE_URL": url}
    env.pop("REVIEWER_AUDIT_SIGNING_KEY", None)
    tree = _import_tree("review", "--repo", str(git_repo.path), "--base", "HEAD~1", env=env)
    assert "reviewer.audit.log" in {name for _, name in tree}  # the decision was recorded
    offenders = _offenders(tree, REVIEW_HEAVY, REVIEW_HEAVY_OURS)
    chains = "\n".join(f"  {' -> '.join(chain)}" for chain in offenders.values())
    assert not offenders, f"`reviewer review` imported what it does not use:\n{chains}"


def _all_commands() -> list[list[str]]:
    """The argv prefix of every command and group, found by walking the help pages."""
    runner = CliRunner()
    found: list[list[str]] = []
    todo: list[list[str]] = [[]]
    while todo:
        path = todo.pop()
        found.append(path)
        text = runner.invoke(app, [*path, "--help"]).output
        if "Commands:" in text:
            listing = text.split("Commands:", 1)[1].split("\n\n", 1)[0]
            todo += [[*path, line.split()[0]] for line in listing.splitlines() if line.strip()]
    return found


def test_every_help_page_is_plain_with_readable_metavars() -> None:
    runner = CliRunner()
    commands = _all_commands()
    assert ["review"] in commands and ["jobs", "retry"] in commands
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        where = f"`reviewer {' '.join(path)} --help`"
        assert result.exit_code == 0, where
        assert not TYPE_HINT.search(result.output), f"{where} shows a <type>"
        assert "{" not in result.output, f"{where} shows a {{metavar}}"
        assert "╭" not in result.output, f"{where} is rendered with rich panels"


def test_root_help_documents_exit_codes_and_version() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["--help"]).output
    assert "Exit codes:" in text and "  2  bad input" in text
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0
    assert version.output == f"reviewer {metadata.version('pr-reviewer')}\n"  # one source


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["review", "--base", "main", "--format", "xml"],
         "--format': 'xml' is not allowed; use one of: markdown, json"),
        (["jobs", "list", "--limit", "0"], "--limit': 0 is too small; the smallest allowed is 1"),
        (["jobs", "list", "--state", "gone"],
         "'gone' is not allowed; use one of: queued, running, done, cancelled, dead"),
        (["jobs", "retry", "seven"], "'seven' is not a whole number"),
        (["audit", "query", "--since", "yesterday"], "'yesterday' is not a date or time"),
    ],
)  # fmt: skip
def test_bad_values_are_named_with_what_is_allowed(argv: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Value error" not in result.output
