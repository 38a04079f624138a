"""The outcome report as rows (CSV) and as terminal tables: the same figures as the JSON.

Rows are long-form (``scope, section, metric, group, value, count, total, low, high``) so a
spreadsheet can pivot them and a small number keeps its counts next to its rate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from rich.console import Console
from rich.table import Table

from reviewer.report.figures import Figures, OutcomeReport
from reviewer.report.stats import Rate

COLUMNS = ("scope", "section", "metric", "group", "value", "count", "total", "low", "high")
Row = tuple[object, ...]


def _rate_row(scope: str, section: str, metric: str, group: str, rate: Rate) -> Row:
    return (scope, section, metric, group, rate.rate, rate.count, rate.total, rate.low, rate.high)


def figure_rows(scope: str, figures: Figures) -> Iterator[Row]:
    yield (scope, "volume", "prs", "", figures.prs, "", "", "", "")
    for verdict, count in figures.verdicts.items():
        yield (scope, "verdicts", "prs", verdict, count, "", "", "", "")
    for reason in figures.top_human_reasons:
        yield (scope, "human_reasons", "prs", reason.code, reason.prs, "", "", "", "")
    for label, spread in (
        ("to_first_approval", figures.speed.to_first_approval),
        ("to_merge", figures.speed.to_merge),
    ):
        for who, d in spread.items():
            yield (scope, label, "median_minutes", who, d.median_minutes, d.count, "", "", "")
            yield (scope, label, "p75_minutes", who, d.p75_minutes, d.count, "", "", "")
    for window in figures.revert_rates:
        for who, rate in window.by_approval.items():
            yield _rate_row(scope, f"reverted_{window.days}d", "by_approval", who, rate)
        for who, rate in window.by_author.items():
            yield _rate_row(scope, f"reverted_{window.days}d", "by_author", who, rate)
    shadow = figures.shadow
    yield _rate_row(scope, "shadow", "precision", "", shadow.precision)
    yield (scope, "shadow", "changes_requested", "", shadow.changes_requested, "", "", "", "")
    yield (scope, "shadow", "reverted", "", shadow.reverted, "", "", "", "")
    for key, value in figures.cost.model_dump().items():
        yield (scope, "cost", key, "", value, "", "", "", "")
    for week in figures.weeks:
        yield (scope, "weekly", "prs", week.week.isoformat(), week.prs, "", "", "", "")


def to_csv(report: OutcomeReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(figure_rows("all", report.overall))
    for repo, figures in report.repos.items():
        writer.writerows(figure_rows(repo, figures))
    return out.getvalue()


def _fmt(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def print_tables(report: OutcomeReport, console: Console) -> None:
    chain = report.chain
    state = "intact" if chain.ok else "DAMAGED"
    console.print(
        f"Audit chain {state}: verified through seq {chain.verified_through} of "
        f"{chain.head_seq}; last signed checkpoint {chain.last_signed_checkpoint or 'none'}",
        highlight=False,
    )
    since = ", ".join(f"{k} {v:%Y-%m-%d}" for k, v in report.data_from.items() if v)
    console.print(f"Data recorded since: {since or 'no entries yet'}", highlight=False)
    for scope, figures in [("all repositories", report.overall), *report.repos.items()]:
        table = Table(title=f"Outcomes: {scope}", title_justify="left")
        for column in ("section", "metric", "group", "value", "n", "of", "95% low", "95% high"):
            numeric = column not in ("section", "metric", "group")
            table.add_column(column, justify="right" if numeric else "left")
        for row in figure_rows(scope, figures):
            if row[1] != "weekly":
                table.add_row(*(_fmt(v) for v in row[1:]))
        console.print(table)
