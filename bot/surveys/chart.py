"""The survey chart: one horizontal bar chart per choice or scale question (matplotlib, headless, lazy)."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.surveys.tally import Results


def render(results: Results) -> bytes:
    """A PNG with the visible choice/scale questions, counts as bars and percentages as labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    shown = [t for t in results.tallies if not t.hidden and t.question.kind != "text" and t.answered]
    heights = [0.5 + 0.35 * len(t.question.options) for t in shown]
    fig = Figure(figsize=(6.4, max(2.0, sum(heights) + 0.3 * len(shown))), dpi=90)
    axes = fig.subplots(len(shown), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    for ax, t in zip(axes, shown, strict=True):
        labels = [textwrap.shorten(o, 28, placeholder="…") for o in t.question.options]
        bars = ax.barh(range(len(labels)), t.counts, color="#1f77b4")
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[f"{c} ({t.percent(i):.0f}%)" for i, c in enumerate(t.counts)], fontsize=7,
                     padding=2)
        ax.set_xlim(0, max(max(t.counts), 1) * 1.3)
        ax.set_title(textwrap.shorten(f"{t.number}. {t.question.text}", 70, placeholder="…"), fontsize=9,
                     loc="left")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
