"""Cost data in the application database: all-or-nothing imports that replace a source's billing period,
and the small queries budget status needs.

A *source* is the provider plus the billing account (``ProviderName|BillingAccountId``); a file replaces every
(source, billing period) pair it contains, so re-importing a file or a newer export of the month never double counts.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, and_, delete, func, or_, select, text

from bot.costs.allocation import Allocator, Rule
from bot.costs.focus_import import Group, ParsedFile, read_focus
from bot.costs.progress import Progress
from bot.costs.tables import NANO, CostAllocationRule, CostDaily, CostImport
from bot.db import Database, as_utc, utcnow
from bot.tables import Team

log = logging.getLogger(__name__)
IMPORT_LOCK = 7_000_002  # PostgreSQL advisory lock id serialising imports across replicas
COLUMNS = {"billed": CostDaily.billed, "effective": CostDaily.effective}  # type: ignore[dict-item]
COLUMN_NAMES = {"billed": "BilledCost", "effective": "EffectiveCost"}
GROUP_FIELDS = list(Group._fields)  # same order as the cost_daily columns they fill


@dataclass(frozen=True)
class ImportResult:
    """What one import stored and replaced."""

    import_id: int
    parsed: ParsedFile
    stored_rows: int
    replaced_rows: int
    stored_totals: dict[str, dict[str, str]]  # currency -> column -> sum of stored (nano-rounded) amounts


def nano_to_str(value: int) -> str:
    """Nano-units as an exact decimal string."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, frac = divmod(value, NANO)
    tail = f"{frac:09d}".rstrip("0")
    return f"{sign}{whole}" + (f".{tail}" if tail else "")


def _stored_totals(parsed: ParsedFile) -> dict[str, dict[str, str]]:
    """Per currency, the sums of the stored (nano-rounded) amounts as exact decimal strings."""
    stored: dict[str, dict[str, int]] = {}
    for g in parsed.groups:
        cur = stored.setdefault(g.currency, {"BilledCost": 0, "EffectiveCost": 0})
        cur["BilledCost"] += g.billed
        cur["EffectiveCost"] += g.effective
    return {c: {k: nano_to_str(v) for k, v in cols.items()} for c, cols in stored.items()}


class CostStore:
    """Imports and cost queries (synchronous; async callers use ``db.run``)."""

    def __init__(self, db: Database, tag_key: str = "team") -> None:
        self.db = db
        self.tag_key = tag_key

    def allocator(self) -> Allocator:
        """The allocation policy from the current team directory and rules."""
        with self.db.session() as s:
            teams = {t.id: t for t in s.execute(select(Team)).scalars()}
            rules = s.execute(select(CostAllocationRule)).scalars().all()
        return Allocator.build(
            self.tag_key, [(t.name, t.aliases or ()) for t in teams.values()],
            [Rule(r.kind, r.match_key, r.match_value, teams[r.team_id].name) for r in rules if r.team_id in teams])

    def import_file(self, path: Path, batch: tuple[tuple[int, str], ...] = (),
                    progress: Progress | None = None) -> ImportResult:
        """Read, allocate and store one file in one transaction (a failure leaves the previous data intact)."""
        alloc = self.allocator()
        parsed = read_focus(path, alloc.tag_keys, alloc.team_for, progress=progress)
        return self.store(parsed, batch)

    def store(self, parsed: ParsedFile, batch: tuple[tuple[int, str], ...] = ()) -> ImportResult:
        """Replace the file's (source, billing period) pairs with its aggregates and record the import.

        ``batch`` lists the (import id, checksum) of files stored earlier in the same command: parts of one export
        (AWS and Azure split a month into several files) add up instead of replacing each other; the same content
        twice still replaces."""
        if batch:
            parsed = parsed.settled()  # the same content twice replaces: compare checksums first
        keep = [i for i, digest in batch if digest != parsed.checksum]
        return self._store_all([parsed], keep)[0]

    def store_delivery(self, parts: Sequence[ParsedFile], names: Sequence[str] = ()) -> list[ImportResult]:
        """Store every part of one export delivery in one transaction: together they replace their (source,
        billing period) pairs, so a re-delivered month replaces the old one and a failure keeps it whole.
        ``names`` (the objects' URLs) are recorded as the file names."""
        if names:
            parts = [dataclasses.replace(p, file_name=n) for p, n in zip(parts, names, strict=True)]
        return self._store_all(list(parts), [])

    def _store_all(self, parts: list[ParsedFile], keep: list[int]) -> list[ImportResult]:
        now = utcnow()
        pairs = tuple(sorted({pair for p in parts for pair in p.periods}))
        out: list[tuple[int, ParsedFile, int, int]] = []
        with self.db.session() as s:
            if self.db.dialect == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK})
            replaced = 0
            for i in range(0, len(pairs), 200):
                chunk = pairs[i:i + 200]
                cond = or_(*(and_(CostDaily.source == src, CostDaily.billing_period == bp) for src, bp in chunk))
                cond = and_(cond, CostDaily.import_id.not_in(keep)) if keep else cond  # type: ignore[attr-defined]
                replaced += s.execute(delete(CostDaily).where(cond)).rowcount or 0
            for n, parsed in enumerate(parts):
                mine = parsed.periods
                record = CostImport(
                    file_name=parsed.file_name[:512], checksum=parsed.checksum, sources=sorted({p[0] for p in mine}),
                    billing_periods=sorted({p[1].isoformat() for p in mine}), rows_total=parsed.rows_total,
                    rows_imported=parsed.rows_imported, rows_rejected=parsed.rows_rejected,
                    rejected=[list(r) for r in parsed.rejected], totals=dict(parsed.totals),
                    focus_version=parsed.focus_version, data_as_of=parsed.data_as_of,
                    replaced_rows=replaced if n == 0 else 0, imported_at=now)
                s.add(record)
                s.flush()
                assert record.id is not None
                rows = self._insert_groups(s.connection(), record.id, parsed)
                parsed = parsed.settled()  # hashed on another thread meanwhile
                record.checksum = parsed.checksum
                out.append((record.id, parsed, len(rows), replaced if n == 0 else 0))
        results = []
        for import_id, parsed, stored_rows, rep in out:
            log.info("imported %s: %d rows, %d rejected, %d groups, replaced %d", parsed.file_name,
                     parsed.rows_imported, parsed.rows_rejected, stored_rows, rep)
            results.append(ImportResult(import_id, parsed, stored_rows, rep, _stored_totals(parsed)))
        return results

    def imported(self, checksums: Sequence[str]) -> set[str]:
        """Which of these checksums (object identities) have an import record."""
        found: set[str] = set()
        with self.db.engine.connect() as conn:
            for i in range(0, len(checksums), 500):
                q = select(CostImport.checksum).where(CostImport.checksum.in_(checksums[i:i + 500]))  # type: ignore[attr-defined]
                found.update(conn.execute(q).scalars())
        return found

    def _insert_groups(self, conn: Connection, import_id: int, parsed: ParsedFile) -> list[tuple[object, ...]]:
        """Bulk insert through the driver's executemany (tens of thousands of rows: no ORM, no per-row dicts)."""
        names = ["import_id", *GROUP_FIELDS]
        sqlite = self.db.dialect == "sqlite"
        mark = "?" if sqlite else "%s"
        sql = f"INSERT INTO cost_daily ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        if sqlite:  # SQLAlchemy's SQLite Date storage format
            iso = date.isoformat
            rows = [(import_id, g[0], iso(g[1]), iso(g[2]), *g[3:]) for g in parsed.groups]
        else:
            rows = [(import_id, *g) for g in parsed.groups]
        for i in range(0, len(rows), 10_000):
            conn.exec_driver_sql(sql, rows[i:i + 10_000])
        return rows

    def data_as_of(self) -> datetime | None:
        """The latest ChargePeriodEnd among imports whose data is still stored."""
        live = select(CostDaily.import_id).where(CostDaily.import_id == CostImport.id).exists()
        with self.db.engine.connect() as conn:
            return as_utc(conn.execute(select(func.max(CostImport.data_as_of)).where(live)).scalar())

    def imports(self, limit: int = 20) -> list[CostImport]:
        """The newest import records."""
        with self.db.session() as s:
            q = select(CostImport).order_by(CostImport.id.desc()).limit(limit)  # type: ignore[union-attr]
            return list(s.execute(q).scalars())

    def daily(self, team: str | None, currency: str, start: date, end: date,
              column: str = "billed") -> list[tuple[date, str, int]]:
        """(day, service, amount in nano-units) for a team (None = unallocated) in [start, end)."""
        amount = func.sum(COLUMNS[column])
        who = CostDaily.team.is_(None) if team is None else CostDaily.team == team  # type: ignore[union-attr]
        q = (select(CostDaily.day, CostDaily.service, amount)
             .where(who, CostDaily.currency == currency, CostDaily.day >= start, CostDaily.day < end)
             .group_by(CostDaily.day, CostDaily.service))
        with self.db.session() as s:
            return [(d if isinstance(d, date) else date.fromisoformat(str(d)), svc, int(v or 0))
                    for d, svc, v in s.execute(q).all()]

    def daily_all(self, team: str | None, start: date, end: date,
                  column: str = "billed") -> list[tuple[str, date, str, int]]:
        """(currency, day, service, amount in nano-units) for a team in [start, end), every currency."""
        who = CostDaily.team.is_(None) if team is None else CostDaily.team == team  # type: ignore[union-attr]
        q = (select(CostDaily.currency, CostDaily.day, CostDaily.service, func.sum(COLUMNS[column]))
             .where(who, CostDaily.day >= start, CostDaily.day < end)
             .group_by(CostDaily.currency, CostDaily.day, CostDaily.service))
        with self.db.engine.connect() as conn:  # Core, no ORM session: this is the budget-status hot path
            return [(c, d if isinstance(d, date) else date.fromisoformat(str(d)), svc, int(v or 0))
                    for c, d, svc, v in conn.execute(q).all()]

    def currencies(self, team: str | None, start: date, end: date) -> dict[str, int]:
        """Billed totals per currency for a team in [start, end) (to mention spend in other currencies)."""
        who = CostDaily.team.is_(None) if team is None else CostDaily.team == team  # type: ignore[union-attr]
        q = (select(CostDaily.currency, func.sum(CostDaily.billed))
             .where(who, CostDaily.day >= start, CostDaily.day < end).group_by(CostDaily.currency))
        with self.db.session() as s:
            return {c: int(v or 0) for c, v in s.execute(q).all()}

    def totals(self, column: str = "billed") -> dict[tuple[str | None, str], int]:
        """All stored cost per (team, currency): allocated plus unallocated always equals the files' totals."""
        q = select(CostDaily.team, CostDaily.currency, func.sum(COLUMNS[column])).group_by(
            CostDaily.team, CostDaily.currency)
        with self.db.session() as s:
            return {(t, c): int(v or 0) for t, c, v in s.execute(q).all()}
