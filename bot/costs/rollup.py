"""The monthly rollup (``cost_monthly``): ``cost_daily`` summed per calendar month, refreshed after each import.

Whole-month questions (last month's total, top services of a quarter, a trend, the organisation's spend) read it
instead of the daily rows. It is used only while its signature matches the stored imports, so a stale or missing
rollup costs speed, never correctness.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, String, delete, func, insert, literal, select, update

from bot.costs.query import add_months
from bot.costs.query_sql import C, M, imports_signature
from bot.costs.tables import CostMonthly, CostRollup
from bot.db import Database, utcnow

log = logging.getLogger(__name__)
GROUPED = ("import_id", "team", "alloc_tag", "provider", "sub_account_id", "sub_account_name", "service", "region",
           "category", "currency", "service_category")


def _month_expr(dialect: str):  # type: ignore[no-untyped-def]
    """The first of the row's month, as the dialect stores dates."""
    if dialect == "sqlite":
        return func.substr(C.day, 1, 8, type_=String) + literal("01", String)
    return func.date_trunc("month", C.day).cast(CostMonthly.__table__.c.day.type)  # type: ignore[attr-defined]


def refresh(db: Database, months: Iterable[date] | None = None) -> int:
    """Rebuild the given months (all when None) from ``cost_daily`` and record the signature; rows written."""
    with db.engine.begin() as conn:
        if months is not None and not _one_import_behind(conn):
            months = None  # never built, or more than the latest import is missing: rebuild everything
        wanted = sorted({m.replace(day=1) for m in months}) if months is not None else None
        stmt = delete(CostMonthly)
        if wanted is not None:
            stmt = stmt.where(M.day.in_(wanted))
        conn.execute(stmt)
        written = 0
        for lo, hi in _ranges(conn, wanted):
            month = _month_expr(db.dialect)
            cols = [getattr(C, c) for c in GROUPED]
            src = (select(month, *cols, func.sum(C.billed), func.sum(C.effective))
                   .where(C.day >= lo, C.day < hi).group_by(month, *cols))
            written += conn.execute(insert(CostMonthly).from_select(
                ["day", *GROUPED, "billed", "effective"], src)).rowcount or 0
        _sign(conn)
    log.info("monthly cost rollup refreshed: %d rows", written)
    return written


def _one_import_behind(conn: Connection) -> bool:
    """The rollup was current just before the latest import (so refreshing that import's months suffices)."""
    r = CostRollup.__table__.c  # type: ignore[attr-defined]
    stored = conn.execute(select(r.signature).where(r.id == 1)).scalar()
    n, _top = imports_signature(conn).split(":")
    return bool(stored) and stored.split(":")[0] == str(int(n) - 1)


def _ranges(conn: Connection, wanted: list[date] | None) -> list[tuple[date, date]]:
    if wanted is not None:
        return [(m, add_months(m, 1)) for m in wanted]
    first = conn.execute(select(func.min(C.day))).scalar()
    last = conn.execute(select(func.max(C.day))).scalar()
    if first is None or last is None:
        return []
    lo = date.fromisoformat(str(first)[:10]).replace(day=1)
    hi = add_months(date.fromisoformat(str(last)[:10]), 1)
    out = []
    while lo < hi:
        nxt = add_months(lo, 12)
        out.append((lo, min(nxt, hi)))
        lo = nxt
    return out


def _sign(conn: Connection) -> None:
    sig, r = imports_signature(conn), CostRollup.__table__.c  # type: ignore[attr-defined]
    if conn.execute(update(CostRollup).where(r.id == 1).values(signature=sig, refreshed_at=utcnow())).rowcount == 0:
        conn.execute(insert(CostRollup).values(id=1, signature=sig, refreshed_at=utcnow()))


def reallocate(conn: Connection, spellings: tuple[str, ...], team: str) -> None:
    """Mirror an adoption (unallocated rows of these tag values now belong to ``team``) in the rollup."""
    conn.execute(update(CostMonthly).where(M.team.is_(None), M.alloc_tag.in_(spellings)).values(team=team))
