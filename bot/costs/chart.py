"""The budget chart: cumulative daily spend, the budget line and the forecast (matplotlib, headless, lazy)."""

from __future__ import annotations

import io
from datetime import timedelta

from bot.costs.status import BudgetStatus


def render(status: BudgetStatus) -> bytes:
    """A small PNG of the period so far, last month for context, the budget and the forecast with its band."""
    import matplotlib

    matplotlib.use("Agg")  # headless; safe to call repeatedly
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4), dpi=90)
    ax = fig.add_subplot()
    days = [d for d, _ in status.cumulative]
    ax.plot(days, [float(v) for _, v in status.cumulative], color="#1f77b4", linewidth=2,
            label=f"actual ({status.column_name})")
    last = status.period_end - timedelta(days=1)
    if status.previous:
        ax.plot([status.period_start + timedelta(days=i) for i, _ in status.previous],
                [float(v) for _, v in status.previous], color="#7f7f7f", linewidth=1, linestyle=":",
                label="last month")
    fc = status.forecast
    if fc.remaining_days and days:
        ax.plot([days[-1], last], [float(status.actual), float(fc.total)], color="#ff7f0e",
                linestyle="--", linewidth=2, label="forecast")
        if fc.low is not None and fc.high is not None:
            ax.fill_between([days[-1], last], [float(status.actual), float(fc.low)],
                            [float(status.actual), float(fc.high)], color="#ff7f0e", alpha=0.2,
                            label="forecast range")
    if status.budget is not None:
        ax.axhline(float(status.budget.amount), color="#d62728", linewidth=1.5, label="budget")
    ax.set_xlim(status.period_start, last)
    ax.set_ylim(bottom=min(0.0, *(float(v) for _, v in status.cumulative)) if days else 0.0)
    ax.set_title(f"{status.team}: {status.period} spend, {status.currency}", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.tick_params(labelsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
