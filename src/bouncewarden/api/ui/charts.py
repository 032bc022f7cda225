"""Charts drawn on the server as SVG: no script, no charting library, nothing from elsewhere.

`bar_chart` draws labelled horizontal bars (events by reason, quarantine by source);
`daily_chart` draws one polyline per series over days (hard and soft bounces, complaints).
Every label is XML-escaped; the numbers are ours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

__all__ = ["SERIES_COLOURS", "bar_chart", "daily_chart"]

SERIES_COLOURS = {"hard": "#c0392b", "soft": "#e67e22", "complaints": "#8e44ad", "sends": "#2c7be5"}


def bar_chart(values: Mapping[str, int], *, title: str, width: int = 520, bar: int = 18) -> str:
    """Horizontal bars, one per key, longest first as given."""
    if not values:
        return f'<p class="empty">{escape(title)}: nothing yet</p>'
    label_width, gap = 130, 6
    height = len(values) * (bar + gap) + 30
    biggest = max(values.values()) or 1
    span = width - label_width - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, number) in enumerate(values.items()):
        y = 20 + index * (bar + gap)
        length = max(1, round(number / biggest * span))
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar - 5}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length}" height="{bar}" fill="#2c7be5"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar - 5}">{number}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def daily_chart(
    days: Sequence[str], series: Mapping[str, Sequence[int]], *, title: str, width: int = 640
) -> str:
    """One line per series over `days`, with a legend and the y axis's top value."""
    if not days or not any(any(values) for values in series.values()):
        return f'<p class="empty">{escape(title)}: nothing yet</p>'
    height, left, bottom, top = 240, 40, 40, 30
    plot_width, plot_height = width - left - 20, height - top - bottom
    biggest = max(max(values) for values in series.values()) or 1
    step = plot_width / max(1, len(days) - 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" y2="{top + plot_height}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{biggest}</text>',
        f'<text x="{left - 6}" y="{top + plot_height}" text-anchor="end">0</text>',
    ]
    for index, day in enumerate(days):
        if index % max(1, len(days) // 7) == 0:
            x = left + index * step
            parts.append(f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle">{escape(day[5:])}</text>')
    for position, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS.get(name, "#555")
        points = " ".join(
            f"{left + index * step:.1f},{top + plot_height - value / biggest * plot_height:.1f}"
            for index, value in enumerate(values)
        )
        parts.append(f'<polyline class="series" data-series="{escape(name)}" points="{points}" fill="none" '
                     f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        legend_x = left + position * 120
        parts.append(
            f'<rect x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="16">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
