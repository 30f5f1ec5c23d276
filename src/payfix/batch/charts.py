"""The replay report's charts: matplotlib figures written as inline SVG (no script, no URL)."""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

__all__ = ["bars", "columns"]

_SVG_STRIP = (re.compile(r"<\?xml[^>]*\?>\s*"), re.compile(r"<!DOCTYPE[^>]*>\s*"),
              re.compile(r"<metadata>.*?</metadata>\s*", re.S), re.compile(r'\s+xmlns(:\w+)?="[^"]*"'))


def _svg(figure: Any) -> str:
    """``figure`` as inline SVG text: no XML prolog, DOCTYPE, metadata or namespace URLs (the HTML
    parser puts inline ``<svg>`` in the SVG namespace), text kept as text."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "payfix"}), \
            warnings.catch_warnings():
        # Chinese labels: the text stays text and the browser draws it with a font it has, so
        # matplotlib's own font lacking those glyphs only makes its size estimate rougher
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    for pattern in _SVG_STRIP:
        text = pattern.sub("", text)
    return text


def bars(title: str, counts: dict[str, int] | dict[str, float], xlabel: str, limit: int = 12,
         percent: bool = False) -> str:
    """Horizontal bars of the first ``limit`` items (largest first, as given)."""
    from matplotlib.figure import Figure

    items = list(counts.items())[:limit]
    figure = Figure(figsize=(7.5, 0.32 * max(len(items), 2) + 0.9))
    axes = figure.add_subplot()
    labels = [k for k, _ in items][::-1]
    values = [float(v) * (100 if percent else 1) for _, v in items][::-1]
    bars = axes.barh(labels, values, color="#3b6ea8")
    axes.bar_label(bars, fmt="%.1f%%" if percent else "%.0f", padding=3, fontsize=8)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_xlabel(xlabel, fontsize=9)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.15)
    return _svg(figure)


def columns(title: str, counts: dict[str, int], ylabel: str, xlabel: str) -> str:
    """Vertical bars in the order given (a time axis), every label shown up to 40, else every
    n-th."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels, values = list(counts), [int(v) for v in counts.values()]
    figure = Figure(figsize=(7.5, 2.8))
    axes = figure.add_subplot()
    axes.bar(range(len(values)), values, color="#3b6ea8")
    step = max(1, -(-len(labels) // 40))
    axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=90, fontsize=7)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_ylabel(ylabel, fontsize=9)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    axes.set_xlabel(xlabel, fontsize=9)
    axes.tick_params(axis="y", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)
