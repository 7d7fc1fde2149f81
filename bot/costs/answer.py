"""A ``CostAnswer`` as a chat reply: a headline, the figures as fields, warnings, and "how I got this"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.costs.query import CostAnswer
from bot.costs.report import money
from bot.models import Field, Image, Reply

DIM_WORDS = {"service": "service", "provider": "provider", "region": "region", "account": "account",
             "charge_category": "charge category", "service_category": "service category", "team": "team",
             "month": "month", "day": "day"}


def _span(a: CostAnswer) -> str:
    p = a.period
    last = p.end - timedelta(days=1)
    return f"{p.start:%b %-d, %Y}" if p.start == last else f"{p.start:%b %-d}–{last:%b %-d, %Y}"


def _pct(now: Decimal, before: Decimal) -> str:
    return f" ({(now - before) * 100 / abs(before):+.0f}%)" if before else ""


def _signed(v: Decimal, cur: str) -> str:
    return ("+" if v >= 0 else "−") + money(abs(v), cur)


def headline(a: CostAnswer) -> str:
    """The one sentence that answers the question."""
    q, cur, what = a.query, a.currency, f" on {a.query.filters.service}" if a.query.filters.service else ""
    who, when = q.scope, f"{a.asked.label} ({_span(a)})"
    if q.kind == "change" and a.previous is not None and a.previous_total is not None:
        delta = a.total - a.previous_total
        return (f"{who}{what}: {money(a.total, cur)} in {when} vs {money(a.previous_total, cur)} in "
                f"{a.previous.label} — {_signed(delta, cur)}{_pct(a.total, a.previous_total)}.")
    if q.kind == "forecast" and a.forecast is not None:
        fc = a.forecast
        band = (f" (likely {money(fc.low, cur)}–{money(fc.high, cur)})"
                if fc.low is not None and fc.high is not None and fc.remaining_days else "")
        return (f"{who}{what}: forecast {money(fc.total, cur)} by {a.forecast_end:%b %-d, %Y}{band}; "
                f"{money(a.total, cur)} spent so far ({_span(a)}).")
    if q.kind == "unallocated":
        share = f"{a.share:.1f}%" if a.share is not None else "-"
        return (f"Unallocated (no team) cost in {when}: {money(a.total, cur)}, {share} of "
                f"{money(a.previous_total or Decimal(0), cur)}.")
    if q.kind == "trend":
        return f"{who}{what}: {money(a.total, cur)} over {when}, month by month:"
    if q.kind in ("breakdown", "top"):
        dim = DIM_WORDS[q.dimension or "service"]
        lead = f"top {len(a.rows)} {dim}s" if q.kind == "top" else f"by {dim}"
        return f"{who}{what}, {lead} in {when} (total {money(a.total, cur)}):"
    return f"{who}{what} spent {money(a.total, cur)} in {when}."


def lines(a: CostAnswer) -> list[str]:
    """The figures after the headline."""
    cur, out = a.currency, []
    if a.query.kind in ("breakdown", "top", "trend", "unallocated"):
        if a.query.kind == "unallocated" and a.rows:
            out.append("Largest untagged accounts:")
        for name, value in a.rows:
            share = f" ({value * 100 / a.total:.0f}%)" if a.total and a.query.kind != "trend" and value > 0 else ""
            out.append(f"• {name}: {money(value, cur)}{share}")
    if a.query.kind == "change":
        if a.drivers:
            out.append("What moved most:")
        for d in a.drivers:
            out.append(f"• {DIM_WORDS[d.dimension]} {d.name}: {_signed(d.delta, cur)}{_pct(d.now, d.before)} "
                       f"({money(d.before, cur)} → {money(d.now, cur)})")
    if a.query.kind == "forecast" and a.forecast is not None:
        out.append(f"• Method: {a.forecast.method}")
    return out


def how(a: CostAnswer) -> str:
    """How the figures were obtained: column, period, filters, sources, data as of."""
    parts = [f"{a.column_label}", f"{_span(a)}"]
    if a.previous is not None:
        last = a.previous.end - timedelta(days=1)
        parts.append(f"compared with {a.previous.start:%b %-d}–{last:%b %-d, %Y}")
    parts += list(a.query.filters.described())
    if a.sources:
        parts.append("from " + ", ".join(a.sources[:3]) + (f" and {len(a.sources) - 3} more" if len(a.sources) > 3
                                                           else ""))
    if a.data_as_of is not None:
        parts.append(f"data as of {a.data_as_of:%Y-%m-%d %H:%M} UTC")
    return "How I got this: " + "; ".join(parts) + "."


def answer_reply(a: CostAnswer, png: bytes | None = None, ephemeral: bool = False) -> Reply:
    """The complete chat answer (text carries every figure; fields and chart add to it)."""
    demo = " (demo data)" if a.demo else ""
    if a.empty:
        return Reply("I have no cost figures for that." + demo + "\n" + "\n".join(a.suggestions),
                     title="Cost question", ephemeral=ephemeral)
    text = [headline(a) + demo, *lines(a)]
    text += [f"Note: {w}" for w in a.warnings]
    if a.other_currencies:
        text.append("Also spent in other currencies (not added): "
                    + ", ".join(money(v, c) for c, v in a.other_currencies) + ".")
    text.append(how(a))
    fields = [Field("Total", money(a.total, a.currency)), Field("Period", f"{a.asked.label} ({_span(a)})"),
              Field("Column", a.column_label)]
    if a.forecast is not None:
        fields.append(Field("Forecast", money(a.forecast.total, a.currency)))
    if a.previous_total is not None and a.query.kind == "change":
        fields.append(Field("Before", money(a.previous_total, a.currency)))
    if a.data_as_of is not None:
        fields.append(Field("Data as of", f"{a.data_as_of:%Y-%m-%d %H:%M} UTC"))
    image = Image(png, alt_text(a), filename=f"cost-{a.query.kind}.png") if png else None
    footer = f"{a.column_label} · {a.currency}" + (f" · data as of {a.data_as_of:%Y-%m-%d}" if a.data_as_of else "")
    return Reply("\n".join(text), title=f"Costs: {a.query.scope}", fields=tuple(fields), image=image,
                 footer=footer + demo, ephemeral=ephemeral)


def alt_text(a: CostAnswer) -> str:
    """What the chart shows, for screen readers."""
    if a.query.kind == "trend" or (a.query.kind in ("breakdown", "top") and a.query.dimension == "month"):
        return f"Bar chart of monthly {a.column_label} for {a.query.scope}: " + ", ".join(
            f"{n} {money(v, a.currency)}" for n, v in a.rows)
    if a.query.kind in ("breakdown", "top", "unallocated"):
        return f"Bar chart of {a.column_label} by {DIM_WORDS[a.query.dimension or 'service']} for {a.query.scope}"
    band = " with the forecast band" if a.forecast is not None else ""
    budget = " and the budget line" if a.budget is not None else ""
    return f"Cumulative {a.column_label} for {a.query.scope} over {_span(a)}{band}{budget}"
