"""``reviewer jobs list|retry``: see the queue and re-queue dead letters."""

from __future__ import annotations

import time

import typer

from reviewer.cli.common import friendly_errors, settings
from reviewer.queue.states import JobState

app = typer.Typer(help="Inspect and retry queued jobs.", no_args_is_help=True)


@app.command("list")
@friendly_errors
def list_jobs(
    state: JobState | None = typer.Option(None, help="Only jobs in this state."),
    limit: int = typer.Option(50, min=1, help="How many, newest first."),
) -> None:
    """List jobs, newest first, with their state and last error."""
    from rich.console import Console
    from rich.table import Table

    from reviewer.runtime import build_runtime

    runtime = build_runtime(settings())
    table = Table("id", "state", "kind", "repo", "pr", "head", "tries", "age", "last error")
    now = time.time()
    for job in runtime.queue.list_jobs(state, limit):
        table.add_row(
            str(job.id),
            job.state.value,
            job.kind.value,
            job.repo,
            str(job.pr),
            job.head_sha[:10],
            f"{job.attempts}/{job.max_attempts}",
            f"{int(now - job.created_at)}s",
            (job.last_error or "")[:60],
        )
    Console().print(table)
    depth = runtime.queue.depth()
    Console().print(", ".join(f"{k}: {v}" for k, v in depth.items()))


@app.command("retry")
@friendly_errors
def retry(job_id: int = typer.Argument(..., help="A dead or cancelled job's id.")) -> None:
    """Re-queue a dead or cancelled job."""
    from reviewer.runtime import build_runtime

    job = build_runtime(settings()).queue.retry(job_id)
    typer.echo(f"job {job.id} re-queued ({job.repo}#{job.pr} {job.head_sha[:10]})")
