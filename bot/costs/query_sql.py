"""SQL over the stored daily aggregates for cost questions: every figure is a SUM in the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, or_, select

from bot.costs.query import CostQuery, Filters
from bot.costs.tables import CostDaily, CostImport

AMOUNT = {"billed": CostDaily.billed, "effective": CostDaily.effective}
DIMENSION_COLUMNS: dict[str, Any] = {
    "service": CostDaily.service, "provider": CostDaily.provider, "region": CostDaily.region,
    "account": func.coalesce(func.nullif(CostDaily.sub_account_name, ""), CostDaily.sub_account_id),
    "charge_category": CostDaily.category, "team": CostDaily.team, "day": CostDaily.day,
}
UNALLOCATED_TEAM = "\x00unallocated"  # a scope entry meaning "cost that matches no team"


def as_date(value: object) -> date:
    """A day as returned by either driver (SQLite gives ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _ieq(col: Any, value: str) -> ColumnElement[bool]:
    return func.lower(col) == value.strip().lower()


def where(q: CostQuery, start: date, end: date, filters: Filters | None = None) -> list[ColumnElement[bool]]:
    """The WHERE clause for a query's scope and filters over [start, end)."""
    f = filters or q.filters
    out: list[ColumnElement[bool]] = [CostDaily.day >= start, CostDaily.day < end]
    named = [t for t in q.teams if t != UNALLOCATED_TEAM]
    if q.teams:
        cond = CostDaily.team.in_(named) if named else literal(False)  # type: ignore[union-attr]
        out.append(or_(cond, CostDaily.team.is_(None)) if UNALLOCATED_TEAM in q.teams  # type: ignore[union-attr]
                   else cond)
    if f.service:
        out.append(_ieq(CostDaily.service, f.service))
    if f.provider:
        out.append(_ieq(CostDaily.provider, f.provider))
    if f.region:
        out.append(_ieq(CostDaily.region, f.region))
    if f.charge_category:
        out.append(_ieq(CostDaily.category, f.charge_category))
    if f.account:
        out.append(or_(_ieq(CostDaily.sub_account_id, f.account), _ieq(CostDaily.sub_account_name, f.account)))
    return out


def sums(conn: Connection, q: CostQuery, start: date, end: date, dims: Sequence[str],
         filters: Filters | None = None) -> list[tuple[Any, ...]]:
    """(currency, *dimension values, amount in nano-units) grouped by currency and ``dims``."""
    cols = [CostDaily.currency, *(DIMENSION_COLUMNS[d] for d in dims)]
    stmt = select(*cols, func.sum(AMOUNT[q.column])).where(*where(q, start, end, filters)).group_by(*cols)
    return [tuple(r) for r in conn.execute(stmt).all()]


def daily(conn: Connection, q: CostQuery, start: date, end: date) -> dict[str, dict[date, int]]:
    """currency → day → nano-units."""
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for cur, day, value in sums(conn, q, start, end, ["day"]):
        out[cur][as_date(day)] = int(value or 0)
    return out


def categories(conn: Connection, q: CostQuery, start: date, end: date, currency: str) -> dict[str, int]:
    """Charge category → nano-units, plus ``marketplace`` for services sold through a marketplace."""
    market = func.lower(CostDaily.service).like("%marketplace%")
    stmt = (select(CostDaily.category, market, func.sum(AMOUNT[q.column]))
            .where(*where(q, start, end), CostDaily.currency == currency).group_by(CostDaily.category, market))
    out: dict[str, int] = defaultdict(int)
    for cat, is_market, value in conn.execute(stmt).all():
        out[(cat or "").lower()] += int(value or 0)
        if is_market:
            out["marketplace"] += int(value or 0)
    return out


def sources(conn: Connection, q: CostQuery, start: date, end: date) -> list[tuple[int, str, bool]]:
    """(import id, file name, is demo) of the imports the figures come from."""
    ids = select(CostDaily.import_id).where(*where(q, start, end)).distinct().scalar_subquery()
    stmt = select(CostImport.id, CostImport.file_name).where(CostImport.id.in_(ids))  # type: ignore[union-attr]
    return [(i, n, n.startswith("demo-focus")) for i, n in conn.execute(stmt).all()]


def coverage(conn: Connection) -> tuple[date | None, date | None]:
    """First and last day with data (two index lookups on ``ix_cost_daily_day``)."""
    first = conn.execute(select(func.min(CostDaily.day))).scalar()
    last = conn.execute(select(func.max(CostDaily.day))).scalar()
    return (as_date(first) if first else None, as_date(last) if last else None)


def teams_with_cost(conn: Connection) -> list[str]:
    """The teams holding cost (for "what exists" suggestions)."""
    stmt = select(CostDaily.team).where(CostDaily.team.is_not(None)).distinct().order_by(  # type: ignore[union-attr]
        CostDaily.team)
    return [t for (t,) in conn.execute(stmt).all()]


def values(conn: Connection, dimension: str, limit: int = 8) -> list[str]:
    """The most costly stored values of a dimension (suggestions when a filter matches nothing)."""
    col = DIMENSION_COLUMNS[dimension]
    stmt = (select(col).where(col.is_not(None), col != "").group_by(col)
            .order_by(func.sum(CostDaily.billed).desc()).limit(limit))
    return [str(v) for (v,) in conn.execute(stmt).all()]
