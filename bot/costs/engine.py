"""The cost query engine: resolve a ``CostQuery`` against the stored data and compute its ``CostAnswer``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from bot.costs import query_sql as sql
from bot.costs.forecast import best_forecast
from bot.costs.query import (
    CostAnswer,
    CostQuery,
    Driver,
    add_months,
    last_data_day,
    like_for_like,
    month_start,
    previous_period,
    quarter_start,
    this_month,
)
from bot.costs.tables import NANO
from bot.db import Database
from bot.understanding.types import Period

HISTORY_DAYS = 120  # daily history the forecast backtests on


def _dec(nano: int) -> Decimal:
    return Decimal(nano) / NANO


def _main_currency(per_currency: dict[str, int]) -> str:
    return max(per_currency, key=lambda c: (abs(per_currency[c]), c), default="USD")


class CostEngine:
    """Answers cost questions from ``cost_daily`` (synchronous; async callers use ``db.run``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def answer(self, q: CostQuery, as_of: datetime | None = None) -> CostAnswer:
        """The figures for ``q``; an answer with ``empty`` set and suggestions when there is nothing to show."""
        with self.db.engine.connect() as conn:
            cov = sql.coverage(conn)
            first, last, as_of = cov.first, cov.last, as_of or cov.as_of
            if as_of is None or first is None or last is None:
                p = q.period or Period(date.today(), date.today(), "this month")
                return CostAnswer(q, "USD", p, p, None, empty=True, suggestions=(
                    "No cost data has been imported yet: an admin can load a FOCUS export with "
                    "`finops-bot costs import FILE`.",))
            last = min(last, last_data_day(as_of))
            asked = self._asked(q, last)
            period = Period(max(asked.start, first), min(asked.end, last + timedelta(days=1)), asked.label,
                            asked.grain, asked.to_date)
            if period.start >= period.end:
                return self._nothing(conn, q, asked, as_of, first, last)
            table = sql.M if cov.rollup_current and _monthly(q, asked) else sql.C
            return self._compute(conn, q, asked, period, as_of, first, last, table)

    @staticmethod
    def _asked(q: CostQuery, last: date) -> Period:
        if q.period is not None:
            return q.period
        if q.kind == "trend":
            end = add_months(month_start(last), 1)
            start = add_months(end, -q.months)
            return Period(start, end, f"the last {q.months} months", "range", to_date=True)
        if q.kind == "forecast" and q.horizon == "quarter":
            start = quarter_start(last)
            return Period(start, add_months(start, 3), f"Q{(start.month - 1) // 3 + 1} {start.year}", "quarter",
                          to_date=True)
        return this_month(last)

    def _nothing(self, conn: Connection, q: CostQuery, asked: Period, as_of: datetime, first: date,
                 last: date) -> CostAnswer:
        teams = sql.teams_with_cost(conn)
        hint = (f"The stored cost data covers {first:%b %-d, %Y} to {last:%b %-d, %Y} "
                f"(data as of {as_of:%Y-%m-%d %H:%M} UTC).")
        tips = [hint] + ([f"Teams with cost: {', '.join(teams[:12])}" + (" …" if len(teams) > 12 else "")]
                         if teams else [])
        return CostAnswer(q, "USD", asked, asked, as_of, empty=True, suggestions=tuple(tips))

    def _compute(self, conn: Connection, q: CostQuery, asked: Period, period: Period, as_of: datetime,
                 first: date, last: date, t: Any = sql.C) -> CostAnswer:
        monthly = t is sql.M  # whole months from the rollup: the same sums, no daily series
        lo, hi = (asked.start, asked.end) if monthly else (period.start, period.end)
        found = sql.scan(conn, q, lo, hi, t)
        per_day = found.daily
        totals = {c: sum(d.values()) for c, d in per_day.items()}
        if not totals:
            tips = [f"Nothing matches {q.scope} in {asked.label}" + (
                f" with {', '.join(q.filters.described())}" if q.filters.described() else "") + "."]
            if q.filters.service:
                tips.append("Services with cost: " + ", ".join(sql.values(conn, "service")))
            if q.filters.account:
                tips.append("Accounts with cost: " + ", ".join(sql.values(conn, "account")))
            if q.filters.region:
                tips.append("Regions with cost: " + ", ".join(sql.values(conn, "region")))
            if q.teams:
                teams = sql.teams_with_cost(conn)
                tips.append("Teams with cost: " + (", ".join(teams[:12]) or "none (all cost is unallocated)"))
            tips.append(f"The stored data covers {first:%b %-d, %Y} to {last:%b %-d, %Y}.")
            return CostAnswer(q, "USD", period, asked, as_of, empty=True, suggestions=tuple(tips))
        cur = _main_currency(totals)
        days = per_day[cur]
        base = CostAnswer(
            q, cur, period, asked, as_of, total=_dec(totals[cur]),
            other_currencies=tuple((c, _dec(v)) for c, v in sorted(totals.items()) if c != cur and v),
            cumulative=() if monthly else _cumulative(days, period),
            warnings=tuple(_warnings(found.categories[cur], q, period, asked, cur)))
        srcs = sql.import_names(conn, found.imports)
        base = replace(base, sources=tuple(n for _i, n, _d in sorted(srcs)), demo=any(d for *_x, d in srcs))
        kind = q.kind
        if kind in ("breakdown", "top"):
            dim = q.dimension or "service"
            if dim == "month":
                return replace(base, rows=_months(days))
            rows = [(r[1], int(r[2] or 0)) for r in sql.sums(conn, q, lo, hi, [dim], t=t)
                    if r[0] == cur]
            ranked = sorted(rows, key=lambda kv: (-kv[1], str(kv[0])))
            if kind == "top":
                ranked = ranked[:q.top_n]
            label = (lambda v: "unallocated" if v is None else str(v)) if dim == "team" else (
                lambda v: str(v) if v not in (None, "") else "(none)")
            return replace(base, rows=tuple((label(k), _dec(v)) for k, v in ranked))
        if kind == "trend":
            return replace(base, rows=_months(days))
        if kind == "change":
            return self._change(conn, q, base, asked, period, cur)
        if kind == "forecast":
            return self._forecast(conn, q, base, period, last, cur)
        if kind == "unallocated":
            scoped = replace(q, teams=())
            allrows = sql.sums(conn, scoped, lo, hi, ["team"], t=t)
            whole = sum(int(v or 0) for c, _t, v in allrows if c == cur)
            untagged = sum(int(v or 0) for c, t, v in allrows if c == cur and t is None)
            accts = sql.sums(conn, replace(scoped, teams=(sql.UNALLOCATED_TEAM,)), lo, hi, ["account"], t=t)
            top = sorted(((str(a or "(none)"), int(v or 0)) for c, a, v in accts if c == cur), key=lambda kv: -kv[1])
            share = Decimal(untagged) * 100 / whole if whole else None
            return replace(base, total=_dec(untagged), share=share, rows=tuple((a, _dec(v)) for a, v in top[:5]),
                           previous_total=_dec(whole))
        return base

    def _change(self, conn: Connection, q: CostQuery, base: CostAnswer, asked: Period, period: Period,
                cur: str) -> CostAnswer:
        before = q.compare_to or previous_period(asked)
        if q.compare_to is None:
            before = like_for_like(before, period, asked)
        dims = ["service", "account", "region"] + (["team"] if len(q.teams) != 1 else [])
        now_rows = sql.sums(conn, q, period.start, period.end, dims)
        old_rows = sql.sums(conn, q, before.start, before.end, dims)
        prev_total = sum(int(r[-1] or 0) for r in old_rows if r[0] == cur)
        drivers: list[Driver] = []
        for i, dim in enumerate(dims):
            now: dict[str, int] = defaultdict(int)
            old: dict[str, int] = defaultdict(int)
            for rows, acc in ((now_rows, now), (old_rows, old)):
                for r in rows:
                    if r[0] == cur:
                        key = r[1 + i]
                        acc["unallocated" if key is None and dim == "team" else str(key or "(none)")] += int(r[-1] or 0)
            if len(set(now) | set(old)) < 2 and dim != "service":
                continue  # one account/region only: it just repeats the total
            moved = sorted(set(now) | set(old), key=lambda k: (-abs(now[k] - old[k]), k))
            drivers += [Driver(dim, k, _dec(now[k]), _dec(old[k])) for k in moved[:3] if now[k] != old[k]]
        warnings = base.warnings
        if before.end - before.start != period.end - period.start:
            warnings += (f"The periods differ in length ({(period.end - period.start).days} vs "
                         f"{(before.end - before.start).days} days).",)
        elif period.end < asked.end and q.compare_to is None:
            warnings += (f"{asked.label} is not complete: compared like-for-like with the same "
                         f"{(period.end - period.start).days} days of {previous_period(asked).label}.",)
        return replace(base, previous=before, previous_total=_dec(prev_total), drivers=tuple(drivers),
                       warnings=warnings)

    def _forecast(self, conn: Connection, q: CostQuery, base: CostAnswer, period: Period, last: date,
                  cur: str) -> CostAnswer:
        start = quarter_start(last) if q.horizon == "quarter" or period.grain == "quarter" else month_start(last)
        end = add_months(start, 3 if start != month_start(last) or q.horizon == "quarter" else 1)
        hist_start = min(start, last - timedelta(days=HISTORY_DAYS))
        history = sql.daily(conn, replace(q, period=None), hist_start, last + timedelta(days=1)).get(cur, {})
        series = {d: _dec(v) for d, v in history.items()}
        actual = sum((v for d, v in series.items() if start <= d <= last), Decimal(0))
        fc = best_forecast(series, actual, last, end)
        p = Period(start, last + timedelta(days=1), f"{start:%b %-d}–{last:%b %-d, %Y}", "range", True)
        return replace(base, period=p, total=actual, forecast=fc, forecast_end=end - timedelta(days=1),
                       cumulative=_cumulative(history, p))



def _warnings(cats: dict[str, int], q: CostQuery, period: Period, asked: Period, cur: str) -> list[str]:
    """Credits, purchases, tax, refunds and marketplace charges inside the total; an incomplete period."""
    from bot.costs.report import money

    out = []
    words = {"credit": "credits", "purchase": "purchases (commitments bought up front)", "tax": "tax",
             "adjustment": "adjustments/refunds", "marketplace": "marketplace charges"}
    for cat, word in words.items():
        if cats.get(cat):
            out.append(f"Includes {money(_dec(cats[cat]), cur).replace('-', '−')} of {word}.")
    if cats.get("purchase") and q.column == "billed":
        out.append("Purchases are billed when bought; ask for amortized (EffectiveCost) figures to spread them.")
    if period.end < asked.end and q.kind != "change":
        end = f"{period.end - timedelta(days=1):%b %-d, %Y}"
        out.append(f"Figures run to {end}, the latest day with data." if asked.to_date else
                   f"{asked.label} is not complete: the data ends {end}.")
    return out


def _monthly(q: CostQuery, asked: Period) -> bool:
    """Whole calendar months over many rows: the rollup answers it (a team's single month reads its daily rows, which
    are few and give the chart its daily line)."""
    if q.kind not in ("total", "breakdown", "top", "trend", "unallocated") or q.dimension == "day":
        return False
    if asked.start.day != 1 or asked.end.day != 1:
        return False
    months = (asked.end.year - asked.start.year) * 12 + asked.end.month - asked.start.month
    return not q.teams or len(q.teams) > 3 or months > 2 or q.kind == "unallocated"


def _cumulative(days: dict[date, int], period: Period) -> tuple[tuple[date, Decimal], ...]:
    out, running, d = [], 0, period.start
    while d < period.end:
        running += days.get(d, 0)
        out.append((d, _dec(running)))
        d += timedelta(days=1)
    return tuple(out)


def _months(days: dict[date, int]) -> tuple[tuple[str, Decimal], ...]:
    acc: dict[date, int] = defaultdict(int)
    for d, v in days.items():
        acc[month_start(d)] += v
    return tuple((f"{m:%b %Y}", _dec(acc[m])) for m in sorted(acc))
