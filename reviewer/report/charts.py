"""The report's charts as inline SVG, drawn by pygal on the server.

No JavaScript (pygal's tooltip script is switched off), no CDN, no fonts to fetch: the page
works offline and without scripts. Each chart has a title and a description, and the same
numbers are in the tables next to it, so a screen reader loses nothing.
"""

from __future__ import annotations

from typing import Any

import pygal
from pygal.style import Style

from reviewer.report.figures import Figures

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1a1a1a",
    foreground_strong="#000000",
    foreground_subtle="#4d4d4d",
    colors=("#1f5fa8", "#b35900", "#2e7d32", "#6a1b9a"),  # dark enough for text contrast
    font_family="system-ui, sans-serif",
    title_font_size=16,
    label_font_size=12,
    legend_font_size=12,
)
_OPTIONS = {
    "style": _STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "width": 580,
    "height": 300,
    "legend_at_bottom": True,
    "print_values": False,
    "explicit_size": True,
}


def _without_scripts(root: Any) -> Any:
    """pygal always embeds its config as a ``<script>``; the page runs no script, so it goes."""
    for parent in list(root.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    return root


def _svg(chart: Any, description: str) -> str:
    chart.add_xml_filter(_without_scripts)
    svg = chart.render(is_unicode=True)
    # role="img" and a label let assistive technology announce what the chart shows.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{description}" ', 1)


def weekly_verdicts(figures: Figures) -> str:
    chart = pygal.StackedBar(title="Pull requests per week, by the reviewer's verdict", **_OPTIONS)
    chart.x_labels = [week.week.isoformat() for week in figures.weeks]
    for verdict in ("approve", "shadow_approve", "human"):
        chart.add(verdict, [week.verdicts.get(verdict, 0) for week in figures.weeks])
    return _svg(chart, "Stacked bars: pull requests per week by verdict")


def speed(figures: Figures) -> str:
    chart = pygal.Bar(title="Minutes from open to first approval and to merge", **_OPTIONS)
    chart.x_labels = ["approval p50", "approval p75", "merge p50", "merge p75"]
    for who in ("ai", "human"):
        approval = figures.speed.to_first_approval[who]
        merge = figures.speed.to_merge[who]
        chart.add(
            f"approved by {who}",
            [
                approval.median_minutes,
                approval.p75_minutes,
                merge.median_minutes,
                merge.p75_minutes,
            ],
        )
    return _svg(chart, "Bars: minutes to first approval and to merge, AI vs human approved")


def revert_rates(figures: Figures) -> str:
    chart = pygal.Bar(title="Revert rate (%) by who approved and who wrote it", **_OPTIONS)
    labels, ai, human = [], [], []
    for window in figures.revert_rates:
        labels += [f"approval, {window.days} d", f"author, {window.days} d"]
        ai += [_percent(window.by_approval["ai"].rate), _percent(window.by_author["ai"].rate)]
        human += [
            _percent(window.by_approval["human"].rate),
            _percent(window.by_author["human"].rate),
        ]
    chart.x_labels = labels
    chart.add("ai", ai)
    chart.add("human", human)
    return _svg(chart, "Bars: revert rates within 7 and 30 days, AI vs human")


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 2)


def all_charts(figures: Figures) -> list[str]:
    return [weekly_verdicts(figures), speed(figures), revert_rates(figures)]
