"""SQL over the stored daily aggregates for cost questions: every figure is a SUM in the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, or_, select

from bot.costs.query import CostQuery, Filters
from bot.costs.tables import CostDaily, CostImport, CostMonthly, CostRollup
from bot.db import as_utc

C = CostDaily.__table__.c  # type: ignore[attr-defined]  # Core columns: cheaper to build and cached when compiled
M = CostMonthly.__table__.c  # type: ignore[attr-defined]  # the monthly rollup: same columns, ``day`` = 1st of month


def dim(t: Any, name: str) -> Any:
    """The column (or expression) of a dimension in ``cost_daily`` (``C``) or ``cost_monthly`` (``M``)."""
    if name == "account":
        return func.coalesce(func.nullif(t.sub_account_name, ""), t.sub_account_id)
    return {"charge_category": t.category}.get(name, getattr(t, name, None))


AMOUNT = {"billed": C.billed, "effective": C.effective}
DIMENSION_COLUMNS: dict[str, Any] = {d: dim(C, d) for d in
                                     ("service", "service_category", "provider", "region", "account",
                                      "charge_category", "team", "day")}
IMPORTS = CostImport.__table__.c  # type: ignore[attr-defined]
UNALLOCATED_TEAM = "\x00unallocated"  # a scope entry meaning "cost that matches no team"


def as_date(value: object) -> date:
    """A day as returned by either driver (SQLite gives ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _ieq(col: Any, value: str) -> ColumnElement[bool]:
    return func.lower(col) == value.strip().lower()


def where(q: CostQuery, start: date, end: date, filters: Filters | None = None,
          t: Any = C) -> list[ColumnElement[bool]]:
    """The WHERE clause for a query's scope and filters over [start, end) on table columns ``t``."""
    f, C = filters or q.filters, t  # the same clause over either table
    out: list[ColumnElement[bool]] = [C.day >= start, C.day < end]
    named = [x for x in q.teams if x != UNALLOCATED_TEAM]
    if q.teams:
        cond = C.team.in_(named) if named else literal(False)  # type: ignore[union-attr]
        out.append(or_(cond, C.team.is_(None)) if UNALLOCATED_TEAM in q.teams  # type: ignore[union-attr]
                   else cond)
    if f.service:
        out.append(_ieq(C.service, f.service))
    if f.provider:
        out.append(_ieq(C.provider, f.provider))
    if f.region:
        out.append(_ieq(C.region, f.region))
    if f.charge_category:
        out.append(_ieq(C.category, f.charge_category))
    if f.service_category:
        out.append(_ieq(C.service_category, f.service_category))
    if f.account:
        out.append(or_(_ieq(C.sub_account_id, f.account), _ieq(C.sub_account_name, f.account)))
    return out


def sums(conn: Connection, q: CostQuery, start: date, end: date, dims: Sequence[str],
         filters: Filters | None = None, t: Any = C) -> list[tuple[Any, ...]]:
    """(currency, *dimension values, amount in nano-units) grouped by currency and ``dims``."""
    cols = [t.currency, *(dim(t, d) for d in dims)]
    stmt = (select(*cols, func.sum(getattr(t, q.column))).where(*where(q, start, end, filters, t))
            .group_by(*cols))
    return [tuple(r) for r in conn.execute(stmt).all()]


def daily(conn: Connection, q: CostQuery, start: date, end: date) -> dict[str, dict[date, int]]:
    """currency → day → nano-units."""
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for cur, day, value in sums(conn, q, start, end, ["day"]):
        out[cur][as_date(day)] = int(value or 0)
    return out


@dataclass(frozen=True)
class Scan:
    """One pass over a query's rows in a period: per-day sums, per-category sums and the imports they come from."""

    daily: dict[str, dict[date, int]]  # currency -> day -> nano-units
    categories: dict[str, dict[str, int]]  # currency -> charge category (and "marketplace") -> nano-units
    imports: frozenset[int]


def scan(conn: Connection, q: CostQuery, start: date, end: date, t: Any = C) -> Scan:
    """Grouped by currency, day, category, marketplace flag and import: one small result answers totals, the daily
    series (monthly on the rollup), the credits/purchases warnings and the sources."""
    market = func.lower(t.service).like("%marketplace%")
    cols = (t.currency, t.day, t.category, market, t.import_id)
    stmt = select(*cols, func.sum(getattr(t, q.column))).where(*where(q, start, end, None, t)).group_by(*cols)
    days: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    cats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    imports: set[int] = set()
    for cur, day, cat, is_market, import_id, value in conn.execute(stmt).all():
        v = int(value or 0)
        days[cur][as_date(day)] += v
        cats[cur][(cat or "").lower()] += v
        if is_market:
            cats[cur]["marketplace"] += v
        imports.add(int(import_id))
    return Scan({c: dict(d) for c, d in days.items()}, {c: dict(d) for c, d in cats.items()}, frozenset(imports))


def import_names(conn: Connection, ids: frozenset[int]) -> list[tuple[int, str, bool]]:
    """(import id, file name, is demo) for the given imports."""
    if not ids:
        return []
    stmt = select(IMPORTS.id, IMPORTS.file_name).where(IMPORTS.id.in_(sorted(ids)))
    return [(i, n, n.startswith("demo-focus")) for i, n in conn.execute(stmt).all()]


@dataclass(frozen=True)
class Coverage:
    """What is stored: first and last day, the data's "as of", and whether the monthly rollup is current."""

    first: date | None
    last: date | None
    as_of: datetime | None
    rollup_current: bool


def imports_signature(conn: Connection) -> str:
    """Changes whenever an import is stored (imports are all-or-nothing; replacing rows adds an import)."""
    n, top = conn.execute(select(func.count(IMPORTS.id), func.max(IMPORTS.id))).one()
    return f"{n}:{top}"


def coverage(conn: Connection) -> Coverage:
    """First and last day with data, the "as of" and the rollup's state, in one round trip (index lookups)."""
    live = select(C.import_id).where(C.import_id == IMPORTS.id).exists()
    r = CostRollup.__table__.c  # type: ignore[attr-defined]
    stmt = select(select(func.min(C.day)).scalar_subquery(), select(func.max(C.day)).scalar_subquery(),
                  select(func.max(IMPORTS.data_as_of)).where(live).scalar_subquery(),
                  select(func.count(IMPORTS.id)).scalar_subquery(), select(func.max(IMPORTS.id)).scalar_subquery(),
                  select(r.signature).where(r.id == 1).scalar_subquery())
    first, last, as_of, n, top, signature = conn.execute(stmt).one()
    return Coverage(as_date(first) if first else None, as_date(last) if last else None, as_utc(as_of),
                    signature == f"{n}:{top}")


def teams_with_cost(conn: Connection) -> list[str]:
    """The teams holding cost (for "what exists" suggestions)."""
    stmt = select(C.team).where(C.team.is_not(None)).distinct().order_by(  # type: ignore[union-attr]
        C.team)
    return [t for (t,) in conn.execute(stmt).all()]


def values(conn: Connection, dimension: str, limit: int = 8) -> list[str]:
    """The most costly stored values of a dimension (suggestions when a filter matches nothing)."""
    col = DIMENSION_COLUMNS[dimension]
    stmt = (select(col).where(col.is_not(None), col != "").group_by(col)
            .order_by(func.sum(C.billed).desc()).limit(limit))
    return [str(v) for (v,) in conn.execute(stmt).all()]
