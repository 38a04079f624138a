"""``reviewer audit verify|log``: prove the log is intact and read it."""

from __future__ import annotations

from datetime import datetime

import typer

from reviewer.cli.common import friendly_errors, settings
from reviewer.runtime import build_runtime

app = typer.Typer(help="Verify and query the tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
@friendly_errors
def verify() -> None:
    """Recompute the hash chain and check the signed checkpoints; exit 1 if broken."""
    result = build_runtime(settings()).audit.verify()
    typer.echo(result.model_dump_json(indent=2))
    if not result.ok:
        raise typer.Exit(1)


@app.command("log")
@friendly_errors
def log(
    repo: str | None = typer.Option(None, help="owner/name"),
    pr: int | None = typer.Option(None, help="Pull request number."),
    kind: str | None = typer.Option(None, help="decision, override, merged, ..."),
    since: datetime | None = typer.Option(None, help="Only entries at or after this time."),
) -> None:
    """Print matching entries as JSON lines (an export when unfiltered)."""
    audit = build_runtime(settings()).audit
    for entry in audit.entries(repo=repo, pr=pr, kind=kind, since=since):
        typer.echo(entry.model_dump_json())
