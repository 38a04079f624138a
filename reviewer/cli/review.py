"""``reviewer review``: review a local git change with no account, key or server."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import friendly_errors, note, progress, settings

if TYPE_CHECKING:
    from reviewer.context import ReviewContext
    from reviewer.llm import ModelRouter
    from reviewer.pipeline import ReviewResult
    from reviewer.settings import Settings


class Format(StrEnum):
    markdown = "markdown"
    json = "json"


async def _review(ctx: ReviewContext, model: ModelRouter | None, config: Settings) -> ReviewResult:
    from reviewer.pipeline import review as run_review

    try:
        return await run_review(
            ctx,
            model=model,
            max_findings=config.max_findings_per_review,
            ceiling=config.limits_ceiling(),
        )
    finally:
        if model is not None:
            await model.aclose()


@friendly_errors
def review(
    repo: Path = typer.Option(Path("."), "--repo", help="Path to a local git repository."),
    base: str = typer.Option(
        ..., "--base", metavar="REF", help="Base ref to compare against (e.g. main)."
    ),
    head: str | None = typer.Option(
        None,
        "--head",
        metavar="REF",
        help="Head ref with the change. Left out: the working tree, uncommitted changes "
        "and untracked files included, or HEAD when the tree is clean.",
    ),
    fmt: Format = typer.Option(Format.markdown, "--format", help="Output format."),
    record: bool = typer.Option(
        True, "--audit/--no-audit", help="Append the decision to the local audit log."
    ),
) -> None:
    """Review the change between BASE and HEAD of a local repository (by default the
    working tree, uncommitted changes included)."""
    import asyncio

    from reviewer.context import build_local_context
    from reviewer.pipeline import record as record_decision
    from reviewer.render import render_markdown

    config = settings()
    model = None
    if config.models:  # the model layer is imported only when there is one
        from reviewer.llm.factory import configured_model

        model = configured_model(config)
    if model is None:
        note(
            "note: no model configured (REVIEWER_MODELS); reviewing with the deterministic "
            "checks only, so the verdict cannot be approve"
        )
    with progress(f"reading {repo} ({base}..{head or 'HEAD and any uncommitted changes'})"):
        ctx = build_local_context(str(repo), base, head)
    audit = None
    if record:
        from reviewer.runtime import audit_log
        from reviewer.store.db import open_database

        audit = audit_log(config, open_database(config.database_url))
    with progress(f"reviewing {len(ctx.files)} changed file(s)"):
        result = asyncio.run(_review(ctx, model, config))
    if audit is not None:
        record_decision(audit, ctx, result)
    if fmt is Format.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_markdown(result.decision, result.reports, title=_title(ctx)))


def _title(ctx: ReviewContext) -> str:
    """The header line: which change this is, and whether uncommitted work is in it."""
    from reviewer.context import WORKTREE_REF

    if ctx.head_ref == WORKTREE_REF:
        # The last commit is the snapshot of the working tree; its parent is HEAD.
        head = ctx.commits[-2].sha if len(ctx.commits) > 1 else ctx.base_sha
        return (
            f"{ctx.repo} {ctx.base_sha[:10]}..the working tree: uncommitted changes "
            f"(staged, unstaged and untracked files) on top of {head[:10]}"
        )
    return f"{ctx.repo} {ctx.base_sha[:10]}..{ctx.head_sha[:10]}: {ctx.title}"
