"""Budget status as a chat reply: complete text, labelled fields, a chart and the "data as of" footer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.costs.status import BudgetStatus
from bot.models import Field, Image, Reply


def money(value: Decimal, currency: str) -> str:
    """``12,345.67 USD``; a non-zero amount under a cent keeps two significant digits (``0.00064 USD``)."""
    if value and abs(value) < Decimal("0.01"):
        return f"{value.quantize(Decimal(1).scaleb(max(-9, value.adjusted() - 1))):f} {currency}"
    return f"{value:,.2f} {currency}"


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _change_text(s: BudgetStatus) -> str | None:
    c = s.change
    if c is None:
        return None
    delta = c.now - c.before
    rel = f" ({delta * 100 / c.before:+.0f}%)" if c.before else ""
    return f"{c.service} {'+' if delta >= 0 else '−'}{money(abs(delta), s.currency)}{rel} vs {c.window}"


def _headline(s: BudgetStatus) -> str:
    label = "month" if s.period == "monthly" else "quarter"
    head = f"{s.team}: {label}-to-date {s.column_name} is {money(s.actual, s.currency)}"
    if s.budget is None:
        return head + " (no budget set)."
    pct, fpct = s.used_pct or Decimal(0), s.forecast_pct or Decimal(0)
    verdict = ("over budget" if pct >= 100 else "forecast to exceed the budget" if fpct > 100
               else "on track")
    return f"{head}, {_pct(pct)} of the {money(s.budget.amount, s.currency)} {s.period} budget: {verdict}."


def fields(s: BudgetStatus) -> tuple[Field, ...]:
    """The figures as labelled fields (Slack fields, Adaptive Card facts, console lines)."""
    out = [
        Field("Actual", f"{money(s.actual, s.currency)} "
                        f"({s.column_name}, {s.period_start:%b %-d}–{s.last_day:%b %-d})"),
        Field("Budget", money(s.budget.amount, s.currency) + f" {s.period}" if s.budget else "not set"),
        Field("Used", _pct(s.used_pct)),
        Field("Forecast", f"{money(s.forecast.total, s.currency)} by {s.period_end - timedelta(days=1):%b %-d} "
                          f"({_pct(s.forecast_pct)} of budget; {s.forecast.method})"),
        Field("Days left", str(s.days_left)),
        Field("Top services", ", ".join(f"{n} {money(v, s.currency)}" for n, v in s.top_services) or "none"),
    ]
    change = _change_text(s)
    if change:
        out.append(Field("Biggest change", change))
    out.append(Field("Data as of", f"{s.data_as_of:%Y-%m-%d %H:%M} UTC (latest ChargePeriodEnd imported)"))
    return tuple(out)


def status_reply(s: BudgetStatus, png: bytes | None = None) -> Reply:
    """The full answer; ``text`` carries every figure, so it works without fields or the chart."""
    lines = [_headline(s) + (" (demo data)" if s.demo else "")]
    if s.stale:
        label = "month" if s.period == "monthly" else "quarter"
        lines.append(f"Note: the latest cost data ends {s.last_day:%b %-d, %Y}, so this is the {label} of "
                     f"{s.period_start:%B %Y}, not the current one.")
    lines += [f"• {f.label}: {f.value}" for f in fields(s)]
    if s.other_currencies:
        lines.append("Also spent in other currencies (not added): "
                     + ", ".join(money(v, c) for c, v in s.other_currencies) + ".")
    band = (f" (range {money(s.forecast.low, s.currency)}–{money(s.forecast.high, s.currency)})"
            if s.forecast.low is not None and s.forecast.high is not None else "")
    alt = (f"Cumulative {s.column_name} for {s.team} from {s.period_start:%b %-d}"
           + (", last month for comparison" if s.previous else "")
           + (", the budget line at " + money(s.budget.amount, s.currency) if s.budget else "")
           + f" and the forecast to {s.period_end - timedelta(days=1):%b %-d}: {money(s.forecast.total, s.currency)}"
           + band)
    image = Image(png, alt, filename=f"budget-{s.team}.png") if png else None
    return Reply("\n".join(lines), title=f"Budget status: {s.team}", fields=fields(s), image=image,
                 footer=f"Data as of {s.data_as_of:%Y-%m-%d %H:%M} UTC · {s.column_name}"
                        + (" · demo data" if s.demo else ""))


def summary(s: BudgetStatus) -> str:
    """One line for App Home: actual vs budget and forecast."""
    if s.budget is None:
        return f"{s.column_name} {money(s.actual, s.currency)} so far this {s.period[:-2]}; no budget set"
    return (f"{money(s.actual, s.currency)} of {money(s.budget.amount, s.currency)} ({_pct(s.used_pct)}), "
            f"forecast {_pct(s.forecast_pct)} · data as of {s.last_day:%b %-d}")
