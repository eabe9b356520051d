"""Charts of the reports, drawn on the server as SVG by pygal.

pygal (LGPL, pure Python, maintained by Kozea) writes a complete SVG document from a few lines, with no system
library and no JavaScript needed to read it (its optional tooltips script is left out: `js=[]`). matplotlib's SVG
backend would do too, at ten times the install size. Every chart is followed on the page by its data as a table.
"""
from __future__ import annotations

from typing import Any

import pygal
from pygal.style import Style

STYLE = Style(background="white", plot_background="white", foreground="#222", foreground_strong="#111",
              foreground_subtle="#666", colors=("#1f5f8b", "#d9822b", "#3c8d5a", "#8e44ad", "#c0392b", "#7f8c8d"),
              font_family="sans-serif", title_font_size=16, label_font_size=12, legend_font_size=12,
              value_font_size=11)


def _chart(kind, title: str, **config: Any):  # type: ignore[no-untyped-def]
    return kind(style=STYLE, title=title, js=[], width=720, height=360, print_values=False, show_y_guides=True,
                legend_at_bottom=True, truncate_label=40, truncate_legend=40, **config)


def _nice_step(top: int) -> int:
    """The step of a whole-number scale up to top, at most about ten marks, read easily: 1, 2 or 5 x 10^k
    (123 -> 20: 0, 20, ... 140; not 13: 0, 13, 26 ...)."""
    base = 1
    while True:
        for m in (1, 2, 5):
            if top / (m * base) <= 10:
                return m * base
        base *= 10


def bars(title: str, labels: list[str], series: list[tuple[str, list[Any]]], horizontal: bool = False,
         stacked: bool = False) -> str:
    """A bar chart (vertical or horizontal, grouped or stacked) as an SVG document."""
    kind = {(False, False): pygal.Bar, (True, False): pygal.HorizontalBar,
            (False, True): pygal.StackedBar, (True, True): pygal.HorizontalStackedBar}[(horizontal, stacked)]
    chart = _chart(kind, title, show_legend=len(series) > 1)
    if horizontal:  # pygal draws the first bar at the bottom: reverse, so that the chart reads like its table
        labels, series = labels[::-1], [(name, values[::-1]) for name, values in series]
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, [v or 0 for v in values])
    counts = [v or 0 for _name, values in series for v in values]
    if counts and all(isinstance(v, int) for v in counts):
        # Counts are whole: pygal would mark its scale 0, 0.1, ... 1 for a largest value of 1 ("0.3 exchanges").
        sums = [sum(values[i] or 0 for _name, values in series) for i in range(len(labels))] if stacked else counts
        top = max(max(sums, default=0), 1)
        step = _nice_step(top)
        chart.y_labels = list(range(0, top + step, step))
    if not labels:
        chart.no_data_text = "—"
    return chart.render(is_unicode=True)
