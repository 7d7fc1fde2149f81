"""The cost query engine on an imported tagged export, checked against DuckDB over the same file (SQLite and PG)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from bot.costs.adopt import adopt, describe, new_tag_teams
from bot.costs.answer import answer_reply
from bot.costs.engine import CostEngine
from bot.costs.query import CostQuery, Filters
from bot.costs.service import BudgetService
from bot.directory import TeamStore
from bot.understanding.types import Period
from tests.costs_helpers import row, service_for, write

TEAMS = ("platform", "search", "payments", "mobile")
SERVICES = ("Amazon EC2", "Amazon S3", "Amazon RDS")
OCT = Period(date(2024, 10, 1), date(2024, 11, 1), "October 2024", "month")
NOV = Period(date(2024, 11, 1), date(2024, 12, 1), "this month", "month", to_date=True)


def export(tmp: Path) -> Path:
    """Aug 1 – Nov 14 2024, teams only in the tag, an untagged account, a credit and a purchase."""
    rng = random.Random(5)
    rows = []
    d = date(2024, 8, 1)
    while d <= date(2024, 11, 14):
        for t in TEAMS:
            for s in SERVICES:
                jump = 3 if (t, s) == ("search", "Amazon RDS") and d >= date(2024, 11, 1) else 1
                rows.append(row(f"{rng.uniform(10, 20) * jump:.6f}", t, day=d.isoformat(), service=s,
                                account=f"acct-{t}", effective=f"{rng.uniform(8, 18):.6f}",
                                RegionId=rng.choice(["us-east-1", "eu-west-1"])))
        rows.append(row("7.25", None, day=d.isoformat(), service="AWS Support", account="shared"))
        d += timedelta(days=1)
    rows.append(row("-100", "platform", day="2024-10-15", category="Credit"))
    rows.append(row("900", "platform", day="2024-10-01", category="Purchase", service="Savings Plans"))
    return write(tmp / "tagged.csv", rows)


@pytest.fixture
def loaded(db_url: str, tmp_path: Path) -> tuple[BudgetService, Path]:
    svc = service_for(db_url, teams=())
    path = export(tmp_path)
    svc.import_file(path)
    return svc, path


def duck(path: Path, where: str, col: str = "BilledCost") -> Decimal:
    con = duckdb.connect()
    value = con.execute(f"SELECT sum(CAST({col} AS DECIMAL(38,9))) FROM read_csv('{path}', all_varchar=true) "
                        f"WHERE {where}").fetchone()[0]
    return Decimal(value or 0)


def _tag(team: str) -> str:
    return f"Tags LIKE '%\"{team}\"%'"


def test_tag_values_become_teams_and_their_cost_moves(loaded: tuple[BudgetService, Path]) -> None:
    svc, path = loaded
    teams = TeamStore(svc.db)
    found = new_tag_teams(svc.db, teams)
    assert sorted(t.name for t in found) == sorted(TEAMS)
    assert describe(found, "team").startswith("4 new teams found in tag `team`: ")
    assert adopt(svc.db, teams, found) > 0
    assert new_tag_teams(svc.db, teams) == []
    totals = svc.costs.totals()
    assert Decimal(totals[("platform", "USD")]) / 10**9 == duck(path, _tag("platform"))
    assert Decimal(totals[(None, "USD")]) / 10**9 == duck(path, "Tags = '{}'")
    svc.budgets.set_budget("platform", Decimal(5000), "USD", "monthly", by="test")  # budgets at once


def test_totals_breakdowns_and_filters_match_duckdb(loaded: tuple[BudgetService, Path]) -> None:
    svc, path = loaded
    adopt(svc.db, TeamStore(svc.db), new_tag_teams(svc.db, TeamStore(svc.db)))
    e = CostEngine(svc.db)
    oct_ = "ChargePeriodStart >= '2024-10-01' AND ChargePeriodStart < '2024-11-01'"
    a = e.answer(CostQuery(("platform",), OCT))
    assert a.total == duck(path, f"{oct_} AND {_tag('platform')}") and a.currency == "USD"
    assert any("credits" in w for w in a.warnings) and any("purchases" in w for w in a.warnings)
    assert a.sources == ("tagged.csv",) and not a.partial
    f = e.answer(CostQuery(("search",), OCT, Filters(service="amazon ec2"), column="effective"))
    assert f.total == duck(path, f"{oct_} AND {_tag('search')} AND ServiceName = 'Amazon EC2'", "EffectiveCost")
    top = e.answer(CostQuery((), OCT, kind="top", dimension="team", top_n=2))
    assert [n for n, _ in top.rows] == sorted((*TEAMS, "unallocated"),
                                              key=lambda t: -duck(path, f"{oct_} AND " + (
                                                  "Tags = '{}'" if t == "unallocated" else _tag(t))))[:2]
    region = e.answer(CostQuery(("payments",), OCT, kind="breakdown", dimension="region"))
    assert dict(region.rows)["eu-west-1"] == duck(path, f"{oct_} AND {_tag('payments')} AND RegionId = 'eu-west-1'")
    trend = e.answer(CostQuery(("mobile",), kind="trend", months=4))
    assert [n for n, _ in trend.rows] == ["Aug 2024", "Sep 2024", "Oct 2024", "Nov 2024"]
    assert dict(trend.rows)["Sep 2024"] == duck(path, "ChargePeriodStart LIKE '2024-09%' AND " + _tag("mobile"))
    un = e.answer(CostQuery((), OCT, kind="unallocated"))
    whole = duck(path, oct_)
    assert un.total == duck(path, f"{oct_} AND Tags = '{{}}'") and un.share == un.total * 100 / whole
    assert un.rows[0][0] == "SHARED"


def test_change_is_like_for_like_and_names_the_driver(loaded: tuple[BudgetService, Path]) -> None:
    svc, path = loaded
    adopt(svc.db, TeamStore(svc.db), new_tag_teams(svc.db, TeamStore(svc.db)))
    a = CostEngine(svc.db).answer(CostQuery(("search",), NOV, kind="change"))
    assert (a.period.start, a.period.end) == (date(2024, 11, 1), date(2024, 11, 15)) and a.partial
    assert (a.previous.start, a.previous.end) == (date(2024, 10, 1), date(2024, 10, 15))  # type: ignore[union-attr]
    assert a.previous_total == duck(path, "ChargePeriodStart >= '2024-10-01' AND ChargePeriodStart < '2024-10-15' "
                                          f"AND {_tag('search')}")
    assert a.drivers[0].dimension == "service" and a.drivers[0].name == "Amazon RDS" and a.drivers[0].delta > 0
    assert any("like-for-like" in w for w in a.warnings)
    text = answer_reply(a).text
    assert "Amazon RDS" in text and "How I got this: BilledCost" in text and "data as of 2024-11-15" in text


def test_forecast_has_a_method_and_a_band(loaded: tuple[BudgetService, Path]) -> None:
    svc, _path = loaded
    adopt(svc.db, TeamStore(svc.db), new_tag_teams(svc.db, TeamStore(svc.db)))
    a = CostEngine(svc.db).answer(CostQuery(("payments",), kind="forecast"))
    fc = a.forecast
    assert fc is not None and a.forecast_end == date(2024, 11, 30) and fc.remaining_days == 16
    assert fc.low is not None and fc.high is not None and fc.low <= fc.total <= fc.high
    assert "chosen by backtest" in fc.method
    q = CostEngine(svc.db).answer(CostQuery(("payments",), kind="forecast", horizon="quarter"))
    assert q.forecast_end == date(2024, 12, 31) and q.period.start == date(2024, 10, 1)


def test_no_data_says_so_and_suggests_what_exists(loaded: tuple[BudgetService, Path]) -> None:
    svc, _path = loaded
    e = CostEngine(svc.db)
    later = e.answer(CostQuery((), Period(date(2025, 3, 1), date(2025, 4, 1), "March 2025", "month")))
    assert later.empty and "Aug 1, 2024 to Nov 14, 2024" in later.suggestions[0]
    nosvc = e.answer(CostQuery((), OCT, Filters(service="Lambda")))
    assert nosvc.empty and any("Amazon EC2" in s for s in nosvc.suggestions)
    assert "I have no cost figures" in answer_reply(nosvc).text


def test_empty_database_answers_without_guessing(sqlite_url: str) -> None:
    svc = service_for(sqlite_url, teams=())
    a = CostEngine(svc.db).answer(CostQuery(("payments",)))
    assert a.empty and "No cost data has been imported yet" in a.suggestions[0]


def test_monthly_rollup_gives_the_daily_answers_and_is_ignored_when_stale(loaded: tuple[BudgetService, Path],
                                                                          tmp_path: Path) -> None:
    from bot.costs import query_sql as sql

    svc, _path = loaded
    adopt(svc.db, TeamStore(svc.db), new_tag_teams(svc.db, TeamStore(svc.db)))
    e = CostEngine(svc.db)
    with svc.db.engine.connect() as conn:
        assert sql.coverage(conn).rollup_current
    q3 = Period(date(2024, 8, 1), date(2024, 11, 1), "Aug–Oct 2024", "range")
    for q in (CostQuery((), q3, kind="top", dimension="team"), CostQuery(("search",), q3, kind="trend"),
              CostQuery((), OCT, Filters(service="Amazon S3")), CostQuery((), OCT, kind="unallocated")):
        rolled = e.answer(q)
        with svc.db.engine.connect() as conn:
            first, last = sql.coverage(conn).first, sql.coverage(conn).last
            daily = e._compute(conn, q, q.period, q.period, rolled.data_as_of, first, last)  # type: ignore[arg-type]
        assert (rolled.total, rolled.rows, rolled.share) == (daily.total, daily.rows, daily.share)
        assert rolled.cumulative == () and daily.cumulative
    svc.costs.import_file(write(tmp_path / "late.csv", [row("1000", "search", day="2024-10-03")]))  # no refresh
    with svc.db.engine.connect() as conn:
        assert not sql.coverage(conn).rollup_current
    stale = e.answer(CostQuery(("search",), q3, kind="trend"))
    assert dict(stale.rows)["Oct 2024"] == 1000  # the later import replaced October of that source: read daily
    svc.refresh_rollup()
    assert e.answer(CostQuery(("search",), q3, kind="trend")).rows == stale.rows
