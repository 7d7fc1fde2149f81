"""Charts for cost answers: monthly bars, ranked bars, or cumulative spend with the forecast band and budget."""

from __future__ import annotations

import io
from datetime import timedelta

from bot.costs.query import CostAnswer


def render(a: CostAnswer) -> bytes | None:
    """A PNG for the answer (None when there is nothing to draw)."""
    if a.empty:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4), dpi=90)
    ax = fig.add_subplot()
    kind, dim = a.query.kind, a.query.dimension
    if kind == "trend" or (kind in ("breakdown", "top") and dim == "month"):
        names, vals = [n for n, _ in a.rows], [float(v) for _, v in a.rows]
        colors = ["#1f77b4"] * len(vals)
        if a.partial and colors:
            colors[-1] = "#aec7e8"  # the month still running
        ax.bar(names, vals, color=colors)
        ax.set_title(f"{a.query.scope}: monthly {a.column_label}, {a.currency}", fontsize=10)
        if a.budget is not None:
            ax.axhline(float(a.budget), color="#d62728", linewidth=1.5, label="monthly budget")
            ax.legend(loc="upper left", fontsize=8)
    elif kind in ("breakdown", "top", "unallocated"):
        rows = list(reversed(a.rows[:10]))
        ax.barh([n[:28] for n, _ in rows], [float(v) for _, v in rows], color="#1f77b4")
        ax.set_title(f"{a.query.scope}: {a.column_label} by {dim or 'service'}, {a.currency}", fontsize=10)
    else:
        days = [d for d, _ in a.cumulative]
        if not days:
            return None
        ax.plot(days, [float(v) for _, v in a.cumulative], color="#1f77b4", linewidth=2, label="actual")
        fc, end = a.forecast, a.forecast_end
        if fc is not None and end is not None and fc.remaining_days:
            ax.plot([days[-1], end], [float(a.total), float(fc.total)], color="#ff7f0e", linestyle="--",
                    linewidth=2, label="forecast")
            if fc.low is not None and fc.high is not None:
                ax.fill_between([days[-1], end], [float(a.total), float(fc.low)],
                                [float(a.total), float(fc.high)], color="#ff7f0e", alpha=0.2, label="forecast range")
            ax.set_xlim(days[0], end + timedelta(days=1))
        if a.budget is not None:
            ax.axhline(float(a.budget), color="#d62728", linewidth=1.5, label="budget")
        ax.set_title(f"{a.query.scope}: cumulative {a.column_label}, {a.currency}", fontsize=10)
        ax.legend(loc="upper left", fontsize=8)
        fig.autofmt_xdate()
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
