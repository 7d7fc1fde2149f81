"""Entities read from realistic phrasings: team, periods, services/providers/regions/accounts, column, breakdown,
top-n, people, amounts and numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.understanding.context import ParseContext
from bot.understanding.entities import find_team, read_entities
from bot.understanding.periods import periods

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # a Thursday
TEAMS = {"search": ("search-infra",), "payments": ("pay", "payments team"), "data-platform": ("data platform",),
         "checkout": ()}
CTX = ParseContext(teams=TEAMS, values={"region": ("us-east-1", "westeurope"), "account": ("111122223333",),
                                        "service": ("Amazon Elastic Compute Cloud", "Azure Cosmos DB")},
                   platform="slack", tenant="T1", now=NOW)


def read(text: str):
    return read_entities(text, CTX)


@pytest.mark.parametrize(("text", "team"), [
    ("how much money is left in the search team's budget", "search"),
    ("burn vs budget for data-platform?", "data-platform"),
    ("what did the data platform folks spend", "data-platform"),
    ("budget for pay pls", "payments"),
    ("serch team spend this month", "search"),  # a typo, matched fuzzily
    ("Checkout's costs by service", "checkout"),
    ("what is showback?", None),
])
def test_team_from_the_directory_with_aliases_and_typos(text: str, team: str | None) -> None:
    assert read(text).team == team


@pytest.mark.parametrize("text", ["are we over budget?", "how is my team doing on spend", "our cloud costs",
                                  "what did us spend last month"])
def test_my_team(text: str) -> None:
    entities = read(text)
    assert entities.my_team and entities.team is None


def test_a_named_team_is_not_my_team() -> None:
    assert not read("how is our payments budget").my_team


@pytest.mark.parametrize(("text", "start", "end", "to_date"), [
    ("spend last month", date(2026, 11, 1), date(2026, 12, 1), False),
    ("what did we spend in October", date(2026, 10, 1), date(2026, 11, 1), False),
    ("costs for oct 2025", date(2025, 10, 1), date(2025, 11, 1), False),
    ("Q3 spend", date(2026, 7, 1), date(2026, 10, 1), False),
    ("how are we doing this quarter", date(2026, 10, 1), date(2027, 1, 1), True),
    ("spend since Monday", date(2026, 11, 30), date(2026, 12, 4), True),
    ("YTD cloud costs", date(2026, 1, 1), date(2026, 12, 4), True),
    ("costs between 2026-11-02 and 2026-11-15", date(2026, 11, 2), date(2026, 11, 16), False),
    ("from 1 nov to 15 nov", date(2026, 11, 1), date(2026, 11, 16), False),
    ("spend over the last 30 days", date(2026, 11, 3), date(2026, 12, 3), False),
    ("last 3 months by service", date(2026, 9, 1), date(2026, 12, 1), False),
    ("this month so far", date(2026, 12, 1), date(2027, 1, 1), True),
    ("yesterday's bill", date(2026, 12, 2), date(2026, 12, 3), False),
])
def test_periods(text: str, start: date, end: date, to_date: bool) -> None:
    period = read(text).period
    assert period is not None and (period.start, period.end, period.to_date) == (start, end, to_date)


@pytest.mark.parametrize("text", ["how may I help", "what is a budget", "march toward unit economics"])
def test_no_period_where_none_is_named(text: str) -> None:
    assert read(text).period is None


def test_compare_to() -> None:
    current, before = periods("spend last month vs the month before october", NOW.date())
    entities = read("EC2 spend this month vs last month")
    assert entities.period is not None and entities.period.label == "this month"
    assert entities.compare_to is not None and entities.compare_to.label == "last month"
    assert read("q3 compared with q2").compare_to.label == "Q2 2026"
    assert current is not None and current.label == "last month" and before is not None


@pytest.mark.parametrize(("text", "service", "category", "provider"), [
    ("how much did EC2 cost us", "Amazon Elastic Compute Cloud", "Compute", "AWS"),
    ("our S3 bill", "Amazon Simple Storage Service", "Storage", "AWS"),
    ("BigQuery spend last week", "BigQuery", "Analytics", "Google Cloud"),
    ("blob storage costs", "Storage Accounts", "Storage", "Microsoft"),
    ("cosmos db", "Azure Cosmos DB", "Databases", "Microsoft"),
    ("what are we paying for compute", None, "Compute", None),
    ("total azure spend", None, None, "Microsoft"),
])
def test_services_categories_providers(text: str, service: str | None, category: str | None,
                                       provider: str | None) -> None:
    e = read(text)
    assert (e.service, e.service_category, e.provider) == (service, category, provider)


def test_regions_and_accounts_come_from_the_stored_values() -> None:
    e = read("spend in us-east-1 for account 111122223333")
    assert (e.region, e.account) == ("us-east-1", "111122223333")
    assert read("spend in eu-north-1").region is None  # not in the store


@pytest.mark.parametrize(("text", "column"), [("amortized costs for payments", "effective"),
                                              ("effective cost", "effective"), ("billed cost last month", "billed"),
                                              ("what's on the invoice", "billed"), ("spend", None)])
def test_cost_column(text: str, column: str | None) -> None:
    assert read(text).column == column


@pytest.mark.parametrize(("text", "dimension", "top"), [
    ("costs by service", "service", None), ("spend per region last month", "region", None),
    ("top 5 services", "service", 5), ("top three accounts", "account", 3),
    ("month by month spend", "month", None), ("daily costs", "day", None), ("how are we doing", None, None),
])
def test_breakdown_and_top_n(text: str, dimension: str | None, top: int | None) -> None:
    e = read(text)
    assert (e.dimension, e.top_n) == (dimension, top)


def test_people_are_user_refs_of_the_platform() -> None:
    e = read("grant practitioner to <@U0ALICE> and <@U0BOB|bob>")
    assert e.people == ("slack:U0ALICE@T1", "slack:U0BOB@T1")
    teams = read_entities("add <@29:1abc-DEF> to payments", ParseContext(teams=TEAMS, platform="teams"))
    assert teams.people == ("teams:29:1abc-DEF@local",) and teams.team == "payments"


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("set budget for payments to 5k", 5000.0, None), ("12,000 USD monthly", 12000.0, "USD"),
    ("€300 a month", 300.0, "EUR"), ("$1.5m per quarter", 1_500_000.0, "USD"), ("30k eur", 30000.0, "EUR"),
    ("2000 dollars", 2000.0, "USD"),
])
def test_amounts(text: str, value: float, currency: str | None) -> None:
    assert read(text).amounts[0].value == value and read(text).amounts[0].currency == currency


def test_numbers() -> None:
    assert read("survey close 3").numbers == (3.0,)
    assert read("audit last 20").numbers == (20.0,)
    assert read("what is showback").numbers == ()


def test_find_team_prefers_exact_names_over_fuzzy_ones() -> None:
    assert find_team("pay budget", TEAMS) == "payments"
    assert find_team("nothing here", TEAMS) is None
