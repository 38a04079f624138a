"""``reviewer feedback poll|report``: ratings of our comments and per-rule precision."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import fail, friendly_errors, settings

if TYPE_CHECKING:
    from reviewer import feedback

app = typer.Typer(help="Ratings of the reviewer's comments, per rule and sub-agent.")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"--since: not a date or RFC 3339 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("poll")
@friendly_errors
def poll(
    loop: float = typer.Option(
        0,
        "--loop",
        min=0,
        metavar="SECONDS",
        help="Poll again every SECONDS (0: one cycle, for cron).",
    ),
) -> None:
    """Read reactions on the reviewer's comments (ETag-conditional) and record ratings."""
    from reviewer import feedback
    from reviewer.github.auth import AppCredentials
    from reviewer.runtime import build_runtime

    config = settings()
    runtime = build_runtime(config)
    client_for = feedback.client_factory(config, AppCredentials.from_settings(config))
    slug = config.github_app_slug

    while True:
        result = feedback.poll_cycle(
            runtime, client_for, bot_login=f"{slug}[bot]" if slug else None
        )
        typer.echo(json.dumps(result.__dict__, sort_keys=True))
        if not loop:
            return
        time.sleep(loop)


@app.command("report")
@friendly_errors
def report(
    repo: str | None = typer.Option(
        None, "--repo", metavar="OWNER/NAME", help="Only this repository."
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help="Only comments posted since DATE."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    floor: float | None = typer.Option(
        None, "--floor", help="Precision floor (default REVIEWER_FEEDBACK_PRECISION_FLOOR)."
    ),
    min_ratings: int | None = typer.Option(
        None, "--min-ratings", help="Rated findings needed to flag a rule."
    ),
) -> None:
    """Per guidance rule and sub-agent: posted, rated, helpful rate with a 95 % interval."""
    from reviewer import feedback
    from reviewer.runtime import build_runtime

    config = settings()
    runtime = build_runtime(config)
    rep = feedback.report(
        runtime.engine,
        repo=repo,
        since=_since(since),
        floor=config.feedback_precision_floor if floor is None else floor,
        min_ratings=config.feedback_min_ratings if min_ratings is None else min_ratings,
    )
    feedback.update_metrics(rep)
    if fmt is Format.json:
        typer.echo(rep.model_dump_json(indent=2))
        return
    if fmt is Format.csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(feedback.Row.model_fields))
        writer.writeheader()
        for row in rep.rows:
            writer.writerow(row.model_dump())
        typer.echo(out.getvalue(), nl=False)
        return
    typer.echo(render_table(rep))


def render_table(rep: feedback.FeedbackReport) -> str:
    head = f"{'scope':<9} {'name':<32} {'posted':>6} {'rated':>5} {'helpful':>8} {'95% CI':>13}"
    lines = [head + f" {'replies':>7} {'resolved':>8}  flag", "-" * (len(head) + 25)]
    for r in rep.rows:
        rate = "-" if r.helpful_rate is None else f"{r.helpful_rate:.0%}"
        ci = f"{r.ci_low:.2f}-{r.ci_high:.2f}" if r.helpful + r.unhelpful else "-"
        flag = "LOW" if r.low else ""
        flag += " demoted" if r.demoted else ""
        lines.append(
            f"{r.scope:<9} {r.name[:32]:<32} {r.posted:>6} {r.rated:>5} {rate:>8} {ci:>13}"
            f" {r.replies:>7} {r.resolved:>8}  {flag}".rstrip()
        )
    lines.append(
        f"floor {rep.floor:.2f}; a rule is LOW when the upper bound of its 95% interval is "
        f"under the floor with at least {rep.min_ratings} rated findings"
    )
    return "\n".join(lines)
