"""``reviewer trace``: callers, callees and overriders of a change or of one symbol.

``--format json`` prints the object ARCHITECTURE.md fixes as a contract (``changed``,
``edges``, ``omitted``, ``skipped``); text is what the reviewer's model would read.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from reviewer.cli.common import fail, friendly_errors
from reviewer.diff import split_git_diff
from reviewer.errors import GitError
from reviewer.gitlocal import LocalRepo


class TraceFormat(StrEnum):
    text = "text"
    json = "json"


@friendly_errors
def trace(
    repo: Path = typer.Option(Path("."), "--repo", help="Path to the repository."),
    base: str | None = typer.Option(None, "--base", help="Base ref of the change (e.g. main)."),
    head: str = typer.Option("HEAD", "--head", help="Head ref with the change."),
    symbol: str | None = typer.Option(
        None, "--symbol", help="Trace one symbol instead, e.g. package.module.func."
    ),
    fmt: TraceFormat = typer.Option(TraceFormat.text, "--format", help="text or json."),
    budget_tokens: int = typer.Option(
        4000, "--budget-tokens", min=100, help="Size of the text output, in tokens."
    ),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse parsed facts by blob SHA."),
) -> None:
    """Print the traced call paths of the change BASE..HEAD, or of one --symbol."""
    from subagents.tracing import render_trace, trace_change, trace_symbol
    from subagents.tracing.source import DirectorySource, GitTreeSource, TreeSource

    if (base is None) == (symbol is None):
        raise fail("give exactly one of --base REF (trace a change) or --symbol NAME")
    if symbol is not None:
        source: TreeSource
        try:
            source = GitTreeSource(LocalRepo(repo).root, head)
        except GitError:
            if not repo.is_dir():
                raise
            source = DirectorySource(repo)  # not a git repository: read the folder
        result = trace_symbol(source, symbol, cache=None if cache else False)
    else:
        local = LocalRepo(repo)
        base_sha, head_sha = local.resolve(base or ""), local.resolve(head)
        merge_base = local.merge_base(base_sha, head_sha)
        files = split_git_diff(local.diff(merge_base, head_sha))
        result = trace_change(
            GitTreeSource(local.root, head_sha), files, cache=None if cache else False
        )
    if fmt is TraceFormat.json:
        typer.echo(json.dumps(result.contract(), indent=2))
    else:
        typer.echo(render_trace(result, budget_tokens))
