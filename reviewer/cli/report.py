"""``reviewer report outcomes``: the evidence for switching ``auto_approve`` on, per repo
and overall, as a table, JSON (a contract: docs/cli-json.md), CSV or a standalone HTML page.

Heavy modules (the audit stack, pygal, Jinja2) are imported inside the command, so
``reviewer --help`` stays fast.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import typer

from reviewer.cli.common import friendly_errors, settings

app = typer.Typer(help="Outcome figures computed from the audit log.", no_args_is_help=True)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


@app.command("outcomes")
@friendly_errors
def outcomes(
    repo: str | None = typer.Option(None, help="owner/name; all repositories when omitted."),
    since: datetime | None = typer.Option(None, help="PRs opened at or after this time (UTC)."),
    until: datetime | None = typer.Option(None, help="PRs opened before this time (UTC)."),
    fmt: ReportFormat = typer.Option(ReportFormat.table, "--format"),
) -> None:
    """Verdicts, time to approval and merge, revert rates, shadow precision, cost, chain."""
    from rich.console import Console

    from reviewer.report.outcomes import outcome_report
    from reviewer.runtime import build_runtime

    report = outcome_report(build_runtime(settings()).audit, repo=repo, since=since, until=until)
    if fmt is ReportFormat.json:
        typer.echo(report.model_dump_json(indent=2))
    elif fmt is ReportFormat.csv:
        from reviewer.report.text import to_csv

        typer.echo(to_csv(report), nl=False)
    elif fmt is ReportFormat.html:
        from reviewer.report.charts import all_charts
        from reviewer.web.templating import render

        typer.echo(
            render("report.html", report=report, charts=all_charts(report.overall), standalone=True)
        )
    else:
        from reviewer.report.text import print_tables

        print_tables(report, Console(width=120))
