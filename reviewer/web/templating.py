"""Jinja2 templates of the auditors' pages and of the HTML files the CLI writes.

Autoescaping is on for every template: PR numbers, repo names, reason codes and reviewer
logins come from GitHub and are rendered as text, never as markup. Only the charts (SVG
drawn by pygal from numbers) are marked safe.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reviewer.report.evidence import EvidencePack, summary


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reviewer.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["percent"] = _percent
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def evidence_html(pack: EvidencePack, **context: Any) -> str:
    """A PR's evidence pack as a page (``standalone=True``: a file to keep)."""
    summaries = [summary(item.entry) for item in pack.entries]
    return render("evidence.html", pack=pack, summaries=summaries, **context)
