"""The budget chart: cumulative daily spend, the budget line and the forecast (matplotlib, headless, lazy)."""

from __future__ import annotations

import io
from datetime import timedelta

from bot.costs.status import BudgetStatus


def render(status: BudgetStatus) -> bytes:
    """A small PNG of the period so far, the budget and the run-rate forecast to the period end."""
    import matplotlib

    matplotlib.use("Agg")  # headless; safe to call repeatedly
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4), dpi=90)
    ax = fig.add_subplot()
    days = [d for d, _ in status.cumulative]
    ax.plot(days, [float(v) for _, v in status.cumulative], color="#1f77b4", linewidth=2,
            label=f"actual ({status.column_name})")
    last = status.period_end - timedelta(days=1)
    if status.forecast.remaining_days and days:
        ax.plot([days[-1], last], [float(status.actual), float(status.forecast.total)], color="#ff7f0e",
                linestyle="--", linewidth=2, label="forecast (run-rate)")
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
