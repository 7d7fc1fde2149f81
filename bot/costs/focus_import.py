"""Read a FOCUS export (CSV, .csv.gz, Parquet) with DuckDB: check columns, reject bad rows, aggregate per day.

Every column is read as text and cast with TRY_CAST, so real-export quirks (empty cells or ``NULL``, quoted
numbers, timestamps with or without ``T``/``Z``) parse, and a bad value rejects only its row. Costs are summed as
DECIMAL(38,18) and rounded once per stored group to nano-units.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import gc
import gzip
import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple

from bot.costs.progress import Progress, Watch, duckdb_config
from bot.costs.sql import FOCUS_COLUMNS, REQUIRED, rejected_sql, select_sql, stage_sql, version_of
from bot.errors import UserError

NANO = 1_000_000_000
Allocate = Callable[[Mapping[str, str | None], str, str], "str | None"]
MAX_REPORTED = 20  # rejected rows listed by line number (all are counted)
# the hash thread's nice value: well below the scan (DuckDB's threads get ~90 % of a shared core), yet it still
# gets ~10 % of a core on a fully busy machine (nice 19 would get ~1.5 %: minutes for a large file)
HASH_NICE = 10


class Group(NamedTuple):
    """One stored aggregate row (amounts in nano-units). A named tuple: an import makes tens of thousands, straight
    from DuckDB's result rows (a frozen dataclass took longer to build than the rounding query took to run)."""

    source: str
    billing_period: date
    day: date
    team: str | None
    alloc_tag: str | None
    provider: str
    sub_account_id: str
    sub_account_name: str
    service: str
    region: str
    category: str
    currency: str
    billed: int
    effective: int
    rows: int
    service_category: str = ""  # FOCUS ServiceCategory ("Compute", "Storage", …); "" when the export has none


@dataclass(frozen=True)
class ParsedFile:
    """Everything an import stores: aggregates plus the facts for the import record."""

    file_name: str
    checksum: str
    focus_version: str
    rows_total: int
    rows_rejected: int
    rejected: tuple[tuple[int, str], ...]  # (line or row number, reason), first MAX_REPORTED
    groups: tuple[Group, ...]
    totals: Mapping[str, Mapping[str, str]]  # currency -> {"BilledCost": exact sum, "EffectiveCost": ...}
    data_as_of: datetime | None
    line_kind: str  # "line" (CSV, header is line 1) or "row" (Parquet)
    pending: Future[str] | None = field(default=None, compare=False, repr=False)  # the checksum, still hashing

    def settled(self) -> ParsedFile:
        """This file with its checksum (waits for the hash thread when it is still running)."""
        if self.pending is None:
            return self
        return dataclasses.replace(self, checksum=self.pending.result(), pending=None)

    @property
    def rows_imported(self) -> int:
        """Rows that were aggregated."""
        return self.rows_total - self.rows_rejected

    @property
    def periods(self) -> tuple[tuple[str, date], ...]:
        """The (source, billing period) pairs this file replaces."""
        return tuple(sorted({(g.source, g.billing_period) for g in self.groups}))


def checksum(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _open_source(con: Any, path: Path, rejects: bool = False) -> tuple[str, dict[str, str], str]:
    """The DuckDB table expression, {lower-case column: (name, type)}, and the line kind. ``rejects``: a CSV line
    that cannot be split is recorded in ``reject_errors`` (and skipped) instead of failing the read."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if not magic:
        raise UserError(f"{path.name}: the file is empty")
    lit = "'" + str(path).replace("'", "''") + "'"
    kind = "row" if magic == b"PAR1" else "line"
    src = f"read_parquet({lit})" if kind == "row" else _csv_source(path, lit, magic[:2] == b"\x1f\x8b", rejects)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    except Exception as exc:  # DuckDB raises many error types for unreadable files
        if kind == "line" and not rejects:
            return _open_source(con, path, rejects=True)  # the sniffer may need to skip a bad line
        raise UserError(f"{path.name}: cannot read as FOCUS CSV or Parquet: {_short(exc)}") from None
    cols = {str(name).lstrip("\ufeff").strip().lower(): (str(name), str(typ)) for name, typ, *_ in described}
    return src, cols, kind


def _csv_source(path: Path, lit: str, gz: bool, rejects: bool) -> str:
    """``read_csv`` of a comma-separated export with the header read here, so one ragged or truncated line is a
    rejected line (with ``rejects``) instead of defeating DuckDB's dialect sniffer; other dialects are sniffed.
    Without ``rejects`` a malformed line fails the read (recording rejects costs about a tenth of the scan, so a
    well-formed file is read without it and only a malformed one is read again with it)."""
    base = f"read_csv({lit}, all_varchar=true, header=true, compression='{'gzip' if gz else 'none'}', " \
           f"nullstr=['', 'NULL', 'null']{', store_rejects=true' if rejects else ''}"
    try:
        with (gzip.open(path, "rt", encoding="utf-8-sig", newline="") if gz else
              path.open(encoding="utf-8-sig", newline="")) as fh:
            header = next(csv.reader([fh.readline(1 << 20)]), [])
    except (OSError, UnicodeDecodeError, csv.Error, EOFError):
        header = []
    if len(header) < 2 or len({h.strip().lower() for h in header}) != len(header):
        return base + ")"
    columns = "{" + ", ".join("'" + h.replace("'", "''") + "': 'VARCHAR'" for h in header) + "}"
    return base + f", auto_detect=false, delim=',', quote='\"', escape='\"', columns={columns})"


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def read_focus(path: Path, tag_keys: tuple[str, ...], allocate: Allocate, known_checksum: str | None = None,
               progress: Progress | None = None) -> ParsedFile:
    """Read, validate and aggregate one FOCUS file; raises UserError when it cannot be imported at all.

    ``known_checksum`` (an object's ETag identity) skips hashing the file; otherwise SHA-256 is computed on a
    low-priority thread while DuckDB parses and the groups are collected and stored (``ParsedFile.settled`` waits
    for it). ``progress`` is called about twice a second with DuckDB's % done."""
    import duckdb

    if not path.is_file():
        raise UserError(f"{path}: no such file")
    con = duckdb.connect(config=duckdb_config())
    digest = None if known_checksum else _hash_later(path)
    watch = Watch(con, progress) if progress else None
    try:
        con.execute("SET TimeZone = 'UTC'")
        # progress is tracked only with the bar on; never printed by DuckDB (we print our own line)
        con.execute(f"SET enable_progress_bar = {'true' if watch else 'false'}")
        con.execute("SET enable_progress_bar_print = false")
        con.execute("SET progress_bar_time = 0")
        src, cols, kind = _open_source(con, path)
        missing = [name for name, options in REQUIRED if not any(o.lower() in cols for o in options)]
        if missing:
            raise UserError(f"{path.name}: missing required FOCUS columns: {', '.join(missing)} "
                            f"(found {len(cols)} columns; is this a FOCUS export?)")
        if watch:
            watch.start()
        try:
            con.execute(stage_sql(select_sql(src, cols, trim=False), tag_keys))
        except duckdb.Error:
            if kind != "line" or "store_rejects" in src:
                raise
            src, cols, kind = _open_source(con, path, rejects=True)  # a malformed line: read again, recording it
            con.execute(stage_sql(select_sql(src, cols, trim=False), tag_keys))
        if watch:
            watch.stop()
        gc_was_on = gc.isenabled()
        gc.disable()  # tens of thousands of group tuples, none cyclic: collections would only walk them
        try:
            parsed = _collect(con, path, cols, kind, tag_keys, allocate,
                              rejected_sql(select_sql(src, cols, True), MAX_REPORTED), "store_rejects" in src)
        finally:
            if gc_was_on:
                gc.enable()
        return dataclasses.replace(parsed, checksum=known_checksum or "", pending=digest)
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"{path.name}: import failed: {_short(exc)}") from None
    finally:
        if watch:
            watch.stop()
        con.close()


def _hash_later(path: Path) -> Future[str]:
    """The file's SHA-256, computed on a thread of its own at a low CPU priority (hashlib releases the GIL):
    it takes the cores DuckDB's scan leaves idle and the ones the collection and storing leave, instead of slowing
    the scan down (on a 2-core machine hashing 1 GB beside the scan made the import 0.35 s slower)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-hash")
    try:
        return pool.submit(_low_priority_checksum, path)
    finally:
        pool.shutdown(wait=False)


def _low_priority_checksum(path: Path) -> str:
    with contextlib.suppress(AttributeError, OSError):  # Linux: a thread is a task with a nice value of its own;
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)  # elsewhere it keeps the normal priority
    return checksum(path)


def _collect(con: Any, path: Path, cols: Mapping[str, Any], kind: str, tag_keys: tuple[str, ...],
             allocate: Allocate, rejected_query: str, rejects: bool) -> ParsedFile:
    """Turn the staged groups into stored groups: allocate teams, round once, gather the import facts."""
    offset = 1 if kind == "line" else 0  # CSV: header is line 1, first data row is line 2
    bad = con.execute("SELECT err, n FROM g WHERE err IS NOT NULL").fetchall()
    rejected = [(rn + offset, err) for rn, err in con.execute(rejected_query).fetchall()] if bad else []
    malformed = _malformed_lines(con) if rejects else []
    if malformed:
        bad.append(("malformed", len(malformed)))
        rejected = sorted([*rejected, *malformed])[:MAX_REPORTED]
    total, as_of = con.execute("SELECT coalesce(sum(n), 0), max(last_end) FILTER (WHERE err IS NULL) FROM g").fetchone()
    total += len(malformed)
    keys = [f"k{i}" for i in range(len(tag_keys))]
    combos = con.execute(f"SELECT DISTINCT {', '.join([*keys, 'sub_id', 'sub_name'])} FROM g WHERE err IS NULL")
    mapping: dict[str, list[Any]] = {k: [] for k in [*keys, "sub_id", "sub_name", "team"]}
    for combo in combos.fetchall():
        tags = dict(zip(tag_keys, combo[: len(keys)], strict=True))
        for name, value in zip([*keys, "sub_id", "sub_name"], combo, strict=True):
            mapping[name].append(value)
        mapping["team"].append(allocate(tags, combo[-2] or "", combo[-1] or ""))
    lists = ", ".join(f"unnest(${i + 1}::VARCHAR[]) AS {k}" for i, k in enumerate(mapping))
    con.execute(f"CREATE OR REPLACE TEMP TABLE m AS SELECT {lists}", list(mapping.values()))
    on = " AND ".join(f"g.{k} IS NOT DISTINCT FROM m.{k}" for k in [*keys, "sub_id", "sub_name"])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE x AS
        WITH x0 AS (
            SELECT source, bp, day, m.team AS team, lower(trim(g.k0)) AS tag, prov, g.sub_id, g.sub_name, svc,
                   region, cat, cur, scat, sum(sb) AS b, sum(se) AS e, CAST(sum(n) AS BIGINT) AS n
            FROM g JOIN m ON {on} WHERE g.err IS NULL GROUP BY ALL)
        SELECT * EXCLUDE (b, e), {_split("b")}, {_split("e")} FROM x0""")
    exact = con.execute("SELECT cur, sum(sb), sum(se) FROM g WHERE err IS NULL GROUP BY cur ORDER BY cur").fetchall()
    totals = {cur: {"BilledCost": _plain(b), "EffectiveCost": _plain(e)} for cur, b, e in exact}
    rows = con.execute(_rounded_sql(_needs(con, exact))).fetchall()
    return ParsedFile(
        file_name=path.name, checksum="", focus_version=version_of(cols), rows_total=int(total),
        rows_rejected=sum(int(n) for _e, n in bad), rejected=tuple(rejected),
        groups=tuple(map(Group._make, rows)),
        totals=totals, data_as_of=as_of.replace(tzinfo=UTC) if as_of else None, line_kind=kind)


def _malformed_lines(con: Any) -> list[tuple[int, str]]:
    """CSV lines the reader could not split into the header's columns (line number, reason), one per line."""
    found = con.execute("SELECT line, min(lower(CAST(error_type AS VARCHAR))) FROM reject_errors "
                        "GROUP BY line ORDER BY line").fetchall()
    return [(int(line), f"malformed CSV line ({kind})") for line, kind in found]


def _split(col: str) -> str:
    """An exact sum as whole nano-units (floor; BIGINT like the stored column) and the remainder's 9 further digits
    (what rounding ranks by)."""
    scaled = f"({col} * 1000000000)"
    return f"CAST(floor({scaled}) AS BIGINT) AS {col}_f, CAST(({scaled} - floor({scaled})) * 1000000000 AS BIGINT) " \
           f"AS {col}_r"


DIMENSIONS = ("source", "bp", "day", "team", "tag", "prov", "sub_id", "sub_name", "svc", "region", "cat", "scat")


def _needs(con: Any, exact: list[tuple[str, Decimal | None, Decimal | None]]) -> list[tuple[str, int, int]]:
    """Per currency, how many nano-units the floored groups of table ``x`` lack against the exact totals rounded
    half away from zero to 1e-9 (billed, effective)."""
    floors = {cur: (int(b or 0), int(e or 0))
              for cur, b, e in con.execute("SELECT cur, sum(b_f), sum(e_f) FROM x GROUP BY cur").fetchall()}

    def nano(v: Decimal | None) -> int:
        return int((Decimal(v or 0) * NANO).to_integral_value(ROUND_HALF_UP))
    return [(cur, nano(b) - floors.get(cur, (0, 0))[0], nano(e) - floors.get(cur, (0, 0))[1]) for cur, b, e in exact]


def _rounded_sql(needs: list[tuple[str, int, int]]) -> str:
    """Largest-remainder rounding of table ``x``: each currency's groups with the largest remainders (ties: in
    dimension order, empty last) get one more nano-unit, so each group moves by less than one and each total equals
    its exact total rounded to 1e-9. Ranked by DuckDB's window functions (a Python sort of tens of thousands of
    keyed tuples cost more than the rest of the collection)."""
    order = ", ".join(f"{d} ASC NULLS LAST" for d in DIMENSIONS)
    blank = ", ".join(f"coalesce({d}, '')" for d in ("prov", "sub_id", "sub_name", "svc", "region", "cat"))
    need = " UNION ALL ".join(f"SELECT '{cur.replace(chr(39), chr(39) * 2)}' AS cur, {b}::HUGEINT AS nb, "
                              f"{e}::HUGEINT AS ne" for cur, b, e in needs) or \
        "SELECT NULL::VARCHAR AS cur, 0::HUGEINT AS nb, 0::HUGEINT AS ne"
    return f"""
        SELECT source, bp, day, team, tag, {blank}, coalesce(x.cur, ''),
               b_f + CAST(row_number() OVER (PARTITION BY x.cur ORDER BY b_r DESC, {order}) <= nd.nb AS BIGINT),
               e_f + CAST(row_number() OVER (PARTITION BY x.cur ORDER BY e_r DESC, {order}) <= nd.ne AS BIGINT),
               n, coalesce(scat, '')
        FROM x JOIN ({need}) nd ON x.cur = nd.cur"""


def _plain(value: Decimal | None) -> str:
    """An exact decimal as plain text without trailing zeros (``12.5``, ``-0.000001``)."""
    text = format((value or Decimal(0)).normalize(), "f")
    return "0" if text in ("-0", "0E-18") else text


__all__ = ["FOCUS_COLUMNS", "MAX_REPORTED", "Group", "ParsedFile", "read_focus"]
