"""Cost benchmarks: importing a full-width FOCUS 1.2 export vs DuckDB alone, and budget status latency.

1. Generates a 1,000,000-row FOCUS 1.2 CostAndUsage CSV with every column of the spec (long ResourceIds, JSON Tags
   and SkuPriceDetails, ~1.1 KB a row: the width real AWS/Azure exports have; ``bench/focus_wide.py``).
2. Baseline: DuckDB reads the same file and does the same GROUP BY (day, provider, account, sub-account, service,
   region, category, currency, team tag) — in a child process, wall time and peak RSS (``VmHWM``).
3. Ours: ``CostStore.import_file`` into a SQLite database (validation, allocation, storage, import record, the
   file's SHA-256; later runs replace the earlier ones' billing period), in a child process, wall time and peak RSS.
   Both sides run ``--rounds`` times (default 3), interleaved; the table shows medians.
4. Budget status: one year of daily data for 50 teams imported, then 500 status answers (numbers and text,
   chart excluded) — p99; chart rendering is reported separately.

``python -m bench.costs`` prints the table; ``python -m bench.costs --rows 10000000 --rounds 1`` measures memory at
10M rows (the import streams: its peak RSS must not grow with the file); ``run()`` returns the rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import percentile, row
from bench.focus_wide import generate as generate_wide

ROWS = 1_000_000
REPEATS = 3
RSS_LIMIT_MB = 500
TEAMS = 50
SERVICES = "['Amazon EC2', 'Amazon S3', 'Amazon RDS', 'AWS Lambda', 'Amazon EBS', 'Amazon CloudWatch']"
BASELINE_SQL = """
SELECT CAST(ChargePeriodStart AS DATE), ProviderName, BillingAccountId, SubAccountId, SubAccountName, ServiceName,
       RegionId, ChargeCategory, BillingCurrency, json_extract_string(Tags, '$.team'),
       sum(BilledCost), sum(EffectiveCost), count(*)
FROM read_csv('{path}') GROUP BY ALL"""


def generate(path: Path, rows: int, days: int, start: str = "2024-10-01") -> None:
    """Write a FOCUS-shaped CSV with DuckDB (fast, deterministic)."""
    import duckdb

    sql = f"""
    COPY (
      SELECT CAST(((i * 7919) % 100000) / 10000.0 AS DECIMAL(18,6)) AS BilledCost,
        CAST(((i * 7919) % 100000) / 11000.0 AS DECIMAL(18,6)) AS EffectiveCost,
        CAST(((i * 7919) % 100000) / 9000.0 AS DECIMAL(18,6)) AS ListCost,
        'USD' AS BillingCurrency, '111122223333' AS BillingAccountId, 'Acme' AS BillingAccountName,
        strftime(date_trunc('month', DATE '{start}' + CAST(i % {days} AS INTEGER)), '%Y-%m-%dT%H:%M:%SZ')
          AS BillingPeriodStart,
        strftime(DATE '{start}' + CAST(i % {days} AS INTEGER), '%Y-%m-%dT%H:%M:%SZ') AS ChargePeriodStart,
        strftime(DATE '{start}' + CAST(i % {days} + 1 AS INTEGER), '%Y-%m-%dT%H:%M:%SZ') AS ChargePeriodEnd,
        CASE WHEN i % 97 = 0 THEN 'Credit' ELSE 'Usage' END AS ChargeCategory, 'Usage-Based' AS ChargeFrequency,
        'AWS' AS ProviderName, 'AWS' AS PublisherName, 'AWS' AS InvoiceIssuerName,
        {SERVICES}[CAST((i // {days}) % 6 + 1 AS INTEGER)] AS ServiceName, 'Compute' AS ServiceCategory,
        'acct-' || (i // {days * 6}) % {TEAMS} AS SubAccountId,
        'Account ' || (i // {days * 6}) % {TEAMS} AS SubAccountName,
        ['us-east-1', 'eu-west-1'][CAST((i // 7) % 2 + 1 AS INTEGER)] AS RegionId, 'i-' || i AS ResourceId,
        '{{"' || ['team', 'Team', ' TEAM '][CAST(i % 3 + 1 AS INTEGER)] || '": "team-' || (i // {days * 6}) % {TEAMS}
          || '", "env": "prod", "Name": "res-' || i || '"}}' AS Tags
      FROM range({rows}) t(i)
    ) TO '{path}' (HEADER, DELIMITER ',')"""
    duckdb.connect().execute(sql)


def _child(kind: str, path: str, db: str) -> None:
    """One measured run in a fresh process (modules imported before the clock starts, for both sides)."""
    import resource

    import duckdb

    from bot.costs.store import CostStore
    from bot.db import Database

    store = CostStore(Database(f"sqlite:///{db}"))
    started = time.perf_counter()
    if kind == "duckdb":
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        groups = len(con.execute(BASELINE_SQL.format(path=path)).fetchall())
    else:
        groups = store.import_file(Path(path)).stored_rows
    seconds = time.perf_counter() - started
    rss = _peak_rss_mb(resource)
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "groups": groups, "cpu": use.ru_utime + use.ru_stime}))


def _peak_rss_mb(resource: Any) -> float:
    """This process's peak RSS. Linux keeps ``ru_maxrss`` across exec (it would report the forking parent's peak),
    so read the memory map's own high-water mark, ``VmHWM``, where there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def _measure(kind: str, path: Path, db: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.costs", "--child", kind, str(path), str(db)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_db(db: Path) -> None:
    from bot.db import Database
    from bot.directory import TeamStore

    database = Database(f"sqlite:///{db}")
    database.upgrade()
    teams = TeamStore(database)
    for n in range(TEAMS):
        teams.upsert(f"team-{n}")
    database.dispose()


def _status_latency(tmp: Path) -> tuple[float, float, float, float]:
    """p99 CPU time, p50 and p99 wall time of budget status answers (ms) with a year of data for 50 teams, and one
    chart render (ms)."""
    from decimal import Decimal

    from bot.costs.chart import render
    from bot.costs.service import BudgetService
    from bot.db import Database
    from tests.conftest import make_settings

    db_path = tmp / "year.db"
    _prepare_db(db_path)
    year = tmp / "year.csv"
    generate(year, 365 * TEAMS * 6 * 2, 365, start="2024-01-01")
    svc = BudgetService(Database(f"sqlite:///{db_path}"), make_settings(f"sqlite:///{db_path}"))
    svc.import_file(year)
    for n in range(TEAMS):
        svc.budgets.set_budget(f"team-{n}", Decimal(50_000), "USD")
    times, cpu = [], []
    for i in range(500):
        started, cpu_started = time.perf_counter(), time.thread_time()
        reply = svc.status_reply(f"team-{i % TEAMS}", chart=False)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
        assert reply is not None and "Forecast" in reply.text
    status = svc.status("team-0")
    assert status is not None
    render(status)  # warm the import
    started = time.perf_counter()
    render(status)
    chart_ms = (time.perf_counter() - started) * 1000
    svc.db.dispose()
    return percentile(cpu, 99), percentile(times, 50), percentile(times, 99), chart_ms


def compare(rows: int, rounds: int, tmp: Path) -> dict[str, dict[str, float]]:
    """Median seconds, median and max peak RSS of DuckDB's read+GROUP BY and of our import of one wide export."""
    from statistics import median

    path = tmp / f"focus12-{rows}.csv"
    generate_wide(path, rows)
    db = tmp / "costs.db"
    _prepare_db(db)
    runs: dict[str, list[dict[str, Any]]] = {"duckdb": [], "ours": []}
    for _ in range(rounds):  # interleaved: other load on the machine hits both sides alike
        for kind in runs:
            runs[kind].append(_measure(kind, path, db))
    out = {k: {"seconds": median(r["seconds"] for r in v), "rss_mb": median(r["rss_mb"] for r in v),
               "cpu": median(r["cpu"] for r in v),
               "rss_max_mb": max(r["rss_mb"] for r in v), "groups": v[0]["groups"]} for k, v in runs.items()}
    out["file"] = {"mb": path.stat().st_size / 1e6, "bytes_per_row": path.stat().st_size / rows}
    path.unlink()
    return out


def run(rows: int = ROWS, rounds: int = REPEATS, status: bool = True) -> list[dict[str, Any]]:
    """Run the cost benchmarks and return result rows."""
    with tempfile.TemporaryDirectory(prefix="bench-costs-") as name:
        tmp = Path(name)
        c = compare(rows, rounds, tmp)
        base, ours = c["duckdb"], c["ours"]
        latency = _status_latency(tmp) if status else None
    label = f"{rows / 1e6:g}M rows, {c['file']['mb']:,.0f} MB, {c['file']['bytes_per_row']:,.0f} B/row"
    out = [
        row(f"costs: import wide FOCUS 1.2 export, {label} (s, median of {rounds})", ours["seconds"],
            base["seconds"], "<= 2x DuckDB (goal 1.5x)", ours["seconds"] <= 2 * base["seconds"], "s"),
        row(f"costs: import peak RSS, {rows / 1e6:g}M rows (MB, median; baseline = DuckDB's)", ours["rss_mb"],
            base["rss_mb"], f"< {RSS_LIMIT_MB} MB", ours["rss_max_mb"] < RSS_LIMIT_MB, "MB"),
        row("costs: import CPU seconds (user+sys of the process, median; less sensitive to other load)",
            ours["cpu"], base["cpu"], "info", True, "s"),
        row("costs: import rows/s per run (ours; DuckDB's read+GROUP BY as baseline)", rows / ours["seconds"],
            rows / base["seconds"], "info", True, "rows/s"),
        row("costs: import rows per CPU-second = rows/s per core (capacity plan)", rows / ours["cpu"],
            rows / base["cpu"], "info", True, "rows/s/core"),
    ]
    if latency:
        low, p50, p99, chart_ms = latency
        out += [
            row("costs: budget status p99 (ms)", p99, None, "< 20 ms", p99 < 20, "ms"),
            row("costs: budget status p50 (ms)", p50, None, "info", True, "ms"),
            row("costs: budget status p99 CPU time (ms, excludes waiting for a core)", low, None, "info", True, "ms"),
            row("costs: chart render (ms)", chart_ms, None, "info", True, "ms"),
        ]
    out.append(row("costs: machine load average during the run", os.getloadavg()[0], None, "info (2 cores here)",
                   True, ""))
    return out


def _cli(argv: list[str]) -> int:
    import argparse

    from bench.__main__ import _format

    parser = argparse.ArgumentParser(prog="python -m bench.costs")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=REPEATS)
    parser.add_argument("--no-status", action="store_true", help="skip the budget status latency part")
    args = parser.parse_args(argv)
    rows = run(args.rows, args.rounds, not args.no_status)
    print(_format(rows, False))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(_cli(sys.argv[1:]))
