"""``reviewer trace``: callers, callees and overriders of a change or of one symbol.

``--format json`` prints the object ARCHITECTURE.md fixes as a contract (``changed``,
``edges``, ``omitted``, ``skipped``); text is what the reviewer's model would read.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import fail, friendly_errors

if TYPE_CHECKING:
    from subagents.tracing.source import TreeSource


class TraceFormat(StrEnum):
    text = "text"
    json = "json"


@friendly_errors
def trace(
    repo: Path = typer.Option(Path("."), "--repo", help="Path to the repository."),
    base: str | None = typer.Option(
        None, "--base", metavar="REF", help="Base ref of the change (e.g. main)."
    ),
    head: str = typer.Option("HEAD", "--head", metavar="REF", help="Head ref with the change."),
    symbol: str | None = typer.Option(
        None,
        "--symbol",
        metavar="NAME",
        help="Trace one symbol instead, e.g. package.module.func.",
    ),
    fmt: TraceFormat = typer.Option(TraceFormat.text, "--format", help="Output format."),
    budget_tokens: int = typer.Option(
        4000, "--budget-tokens", min=100, help="Size of the text output, in tokens."
    ),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse parsed facts by blob SHA."),
    index: bool = typer.Option(
        False, "--index", help="Parse the whole tree at --head into the facts cache instead."
    ),
) -> None:
    """Print the traced call paths of the change BASE..HEAD, or of one --symbol; or,
    with --index, fill the facts cache so later traces of the tree are complete and fast."""
    from reviewer.gitlocal import LocalRepo
    from subagents.tracing import render_trace, trace_change, trace_symbol
    from subagents.tracing.source import GitTreeSource

    if [base is not None, symbol is not None, index].count(True) != 1:
        raise fail("give exactly one of --base REF (trace a change), --symbol NAME or --index")
    if index:
        if not cache:
            raise fail("--index fills the facts cache; it cannot run with --no-cache")
        _index(_tree(repo, head))
        return
    if symbol is not None:
        result = trace_symbol(_tree(repo, head), symbol, cache=None if cache else False)
    else:
        local = LocalRepo(repo)
        base_sha, head_sha = local.resolve(base or ""), local.resolve(head)
        merge_base = local.merge_base(base_sha, head_sha)
        files = local.file_diffs(merge_base, head_sha)
        result = trace_change(
            GitTreeSource(local.root, head_sha), files, cache=None if cache else False
        )
    if fmt is TraceFormat.json:
        typer.echo(json.dumps(result.contract(), indent=2))
    else:
        typer.echo(render_trace(result, budget_tokens))


def _tree(repo: Path, head: str) -> TreeSource:
    """The tree at ``head`` of a git repository, or the folder itself when it is not one."""
    from reviewer.errors import GitError
    from reviewer.gitlocal import LocalRepo
    from subagents.tracing.source import DirectorySource, GitTreeSource

    try:
        return GitTreeSource(LocalRepo(repo).root, head)
    except GitError:
        if not repo.is_dir():
            raise
        return DirectorySource(repo)


def _index(source: TreeSource) -> None:
    from subagents.tracing.cache import FactCache
    from subagents.tracing.index import index_tree

    cache = FactCache()

    def progress(done: int, total: int) -> None:
        typer.echo(f"parsed {done}/{total} files", err=True)

    report = index_tree(source, cache, progress=progress)
    typer.echo(f"{report.summary()}\ncache: {cache.path}")
