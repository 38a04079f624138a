"""``reviewer guidance lint|show``: check guidance files and see which rules apply where.

``lint`` is for the author of ``.github/reviewer/*.md`` (and of the shipped defaults):
exit 0 when the folder is clean, 1 when it has problems, 2 on usage errors. ``show``
answers "which rules will the reviewer apply to this file?", with the repository's
overrides applied exactly as a review applies them (``merge_guidance``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import fail, friendly_errors, note

if TYPE_CHECKING:
    from reviewer.guidance.rules import GuidanceDoc

app = typer.Typer(help="Check guidance files and list the rules that apply.", no_args_is_help=True)


class Format(StrEnum):
    text = "text"
    json = "json"


@app.command("lint")
@friendly_errors
def lint_command(
    path: Path = typer.Argument(..., help="A guidance folder (e.g. .github/reviewer) or file."),
    repo: Path | None = typer.Option(
        None, "--repo", help="Repository whose files the globs must match (default: PATH's)."
    ),
    check_globs: bool = typer.Option(
        True, "--check-globs/--no-check-globs", help="Report globs that match no file."
    ),
) -> None:
    """Validate guidance files: frontmatter, duplicate ids, disables and globs.

    Exit 1 on problems (bad frontmatter, duplicate ids, disables naming nothing); notes
    (a glob that matches no file here, a replaced default rule) leave it at 0."""
    from guidance import DEFAULT_GUIDANCE_DIR
    from reviewer.guidance.lint import guidance_files, lint, repo_files, repo_root
    from reviewer.guidance.rules import load_default_guidance

    if not path.exists():
        raise fail(f"{path} does not exist")
    files = guidance_files(path)
    root = repo or repo_root(path)
    paths = repo_files(root) if check_globs and root is not None else None
    shipped = path.resolve().is_relative_to(DEFAULT_GUIDANCE_DIR.resolve())
    docs, messages = lint(files, () if shipped else load_default_guidance(), paths)
    for message in sorted(messages, key=lambda m: not m.problem):  # problems first
        typer.echo(str(message))
    problems = sum(1 for m in messages if m.problem)
    notes = len(messages) - problems
    rules = sum(len(d.rules) for d in docs)
    globs = "globs checked" if paths is not None else "globs not checked"
    typer.echo(
        f"{len(files)} file(s), {rules} rule(s), {problems} problem(s), {notes} note(s); {globs}"
    )
    if problems:
        raise typer.Exit(1)


def _repo_guidance(repo: Path, ref: str | None) -> list[GuidanceDoc]:
    """The repository's guidance from a git ref, or from the working tree."""
    from reviewer.gitlocal import LocalRepo
    from reviewer.guidance.merge import load_guidance_dir
    from reviewer.guidance.rules import parse_guidance
    from reviewer.policy import GUIDANCE_DIR

    if ref is None:
        docs, errors = load_guidance_dir(repo / GUIDANCE_DIR, GUIDANCE_DIR + "/")
        for error in errors:
            note(f"warning: {error}")
        return docs
    local = LocalRepo(repo)
    found = []
    for name in local.list_dir(ref, GUIDANCE_DIR):
        text = local.show(ref, name) if name.endswith(".md") else None
        if text is not None:
            found.append(parse_guidance(text, name))
    return found


@app.command("show")
@friendly_errors
def show_command(
    file: str = typer.Option(..., "--file", help="Repository-relative path of a file."),
    repo: Path = typer.Option(Path("."), "--repo", help="The repository."),
    ref: str | None = typer.Option(
        None,
        "--ref",
        metavar="REF",
        help="Read .github/reviewer from this git ref (default: working tree).",
    ),
    subagent: str | None = typer.Option(
        None, "--subagent", metavar="NAME", help="Only rules it reads."
    ),
    fmt: Format = typer.Option(Format.text, "--format", help="Output format."),
) -> None:
    """List the guidance rules that apply to FILE, defaults and repository rules merged."""
    from rich.console import Console
    from rich.table import Table

    from reviewer.guidance.merge import merge_guidance, rules_for_file
    from reviewer.guidance.rules import load_default_guidance

    docs = merge_guidance(load_default_guidance(), _repo_guidance(repo, ref))
    rules = rules_for_file(docs, file.removeprefix("./"), subagent)
    if fmt is Format.json:
        rows = [
            {"id": r.id, "title": r.title, "severity": r.severity, "source": d.source,
             "pattern": r.pattern, "subagents": list(r.subagents)}
            for d, r in rules
        ]  # fmt: skip
        typer.echo(json.dumps({"file": file, "rules": rows}, indent=2))
        return
    if not rules:
        typer.echo(f"no guidance rule applies to {file}")
        return
    table = Table("id", "severity", "checked by", "source", "title")
    for doc, rule in rules:
        how = "pattern" if rule.pattern else "model"
        table.add_row(rule.id, rule.severity, how, doc.source, rule.title)
    Console(width=140).print(table)
