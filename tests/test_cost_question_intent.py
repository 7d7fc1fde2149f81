"""``cost_question`` driven by Parse/Entities as understanding will fill them, on an imported tagged export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.app import Bot, build_bot
from bot.config import Settings
from bot.costs.adopt import adopt, new_tag_teams
from bot.intent import Outcome, TurnContext
from bot.models import ConversationKey, IncomingMessage, Reply
from bot.state import FlowState
from bot.understanding.types import Entities, Parse, Period
from intents.cost_question import CostQuestionIntent, question_kind
from tests.test_cost_query import OCT, duck, export


@pytest.fixture
def loaded(settings: Settings, tmp_path: Path) -> Iterator[tuple[Bot, Path]]:
    b = build_bot(settings, demo=False)
    path = export(tmp_path)
    s = b.services
    s.budgets.import_file(path)  # type: ignore[union-attr]
    adopt(s.db, s.teams, new_tag_teams(s.db, s.teams))
    s.teams.add_member("search", "slack:UOWNER@T0001", "owner")
    s.teams.upsert("search", slack_channel="C-SEARCH")
    yield b, path
    s.db.dispose()


async def ask(b: Bot, text: str, e: Entities, user: str = "you", platform: str = "console",
              channel: str = "dm", direct: bool = True, images: bool = False) -> Reply:
    tenant = {"slack": "T0001", "teams": "72f988bf-tenant"}.get(platform, "local")
    msg = IncomingMessage(ConversationKey(platform, tenant, channel, "", user), text, "ev", is_direct=direct,
                          images=images)
    ctx = TurnContext(FlowState(), b.services, datetime(2024, 11, 15, tzinfo=UTC), (), Outcome("cost_question"), "r")
    replies = await CostQuestionIntent(b.services).handle(msg, Parse("cost_question", 0.9, entities=e), ctx)
    assert len(replies) == 1
    return replies[0]


async def test_everyday_questions_carry_the_right_figures(loaded: tuple[Bot, Path]) -> None:
    b, path = loaded
    oct_ = "ChargePeriodStart >= '2024-10-01' AND ChargePeriodStart < '2024-11-01'"
    r = await ask(b, "what did platform spend in october?", Entities(team="platform", period=OCT))
    want = duck(path, f"{oct_} AND Tags LIKE '%\"platform\"%'")
    assert f"{want:,.2f} USD" in r.text and "October 2024" in r.text and "credits" in r.text
    r = await ask(b, "EC2 spend for search in october", Entities(team="search", period=OCT, service="Amazon EC2"))
    want = duck(path, f"{oct_} AND Tags LIKE '%\"search\"%' AND ServiceName = 'Amazon EC2'")
    assert f"{want:,.2f} USD" in r.text and "service = Amazon EC2" in r.text
    r = await ask(b, "top 3 services for payments last month", Entities(team="payments", period=OCT, top_n=3))
    assert r.text.count("• ") == 3 and "top 3 services" in r.text
    r = await ask(b, "why did search costs go up?", Entities(team="search"))
    assert "Amazon RDS" in r.text and "like-for-like" in r.text
    r = await ask(b, "spend by month for mobile", Entities(team="mobile", dimension="month"))
    assert "Aug 2024" in r.text and "Nov 2024" in r.text
    r = await ask(b, "how much of our spend is untagged?", Entities())
    assert "Unallocated (no team) cost" in r.text and "%" in r.text
    r = await ask(b, "payments forecast for end of quarter", Entities(team="payments"))
    assert "forecast" in r.text and "Dec 31, 2024" in r.text


async def test_scope_owners_see_their_teams_and_channels_get_private_answers(loaded: tuple[Bot, Path]) -> None:
    b, _ = loaded
    denied = await ask(b, "platform spend", Entities(team="platform"), user="UOWNER", platform="slack")
    assert "Only platform's members" in denied.text
    own = await ask(b, "what did we spend?", Entities(my_team=True), user="UOWNER", platform="slack")
    assert own.text.startswith("search ") and not own.ephemeral
    public = await ask(b, "what did we spend?", Entities(my_team=True), user="UOWNER", platform="slack",
                       channel="C-GENERAL", direct=False)
    assert public.ephemeral
    mapped = await ask(b, "what did we spend?", Entities(my_team=True), user="UOWNER", platform="slack",
                       channel="C-SEARCH", direct=False)
    assert not mapped.ephemeral
    untagged = await ask(b, "untagged share", Entities(), user="UOWNER", platform="slack")
    assert "practitioners" in untagged.text
    stranger = await ask(b, "what did we spend?", Entities(), user="UNOBODY", platform="slack")
    assert "I don't know your team yet" in stranger.text


async def test_unknown_team_and_chart(loaded: tuple[Bot, Path]) -> None:
    b, _ = loaded
    r = await ask(b, "spend for serch", Entities(team="serch"))
    assert r.text.startswith("search ") or "I don't know a team" in r.text
    r = await ask(b, "spend trend chart for platform", Entities(team="platform"), images=True)
    assert r.image is not None and r.image.png[:4] == b"\x89PNG" and "monthly" in r.image.alt


def test_kind_from_entities_and_words() -> None:
    p = Period(date(2024, 9, 1), date(2024, 10, 1), "September 2024", "month")
    assert question_kind("compare with september", Entities(compare_to=p)) == ("change", None)
    assert question_kind("top services", Entities(top_n=5)) == ("top", "service")
    assert question_kind("spend by region", Entities()) == ("breakdown", "region")
    assert question_kind("what will we spend by end of month", Entities()) == ("forecast", None)
    assert question_kind("how much is untagged", Entities()) == ("unallocated", None)
    assert question_kind("monthly trend", Entities()) == ("trend", None)
    assert question_kind("what did we spend last month", Entities()) == ("total", None)
    assert question_kind("x", Entities(), {"kind": "trend"}) == ("trend", None)


async def test_budget_status_reads_the_parse_entities(loaded: tuple[Bot, Path]) -> None:
    from decimal import Decimal

    from intents.budget_status import BudgetStatusIntent

    b, path = loaded
    b.services.budgets.budgets.set_budget("platform", Decimal(5000), "USD", "monthly", by="t")  # type: ignore[union-attr]
    msg = IncomingMessage(ConversationKey("console", "local", "dm", "", "you"), "budget status for november", "e",
                          is_direct=True, images=False)
    ctx = TurnContext(FlowState(), b.services, datetime(2024, 11, 15, tzinfo=UTC), (), Outcome("budget_status"), "r")
    intent = BudgetStatusIntent(b.services)
    month = Parse("budget_status", 0.9, entities=Entities(team="platform", period=OCT, column="effective"))
    r = (await intent.handle(msg, month, ctx))[0]
    want = duck(path, "ChargePeriodStart >= '2024-10-01' AND ChargePeriodStart < '2024-11-01' AND "
                      "Tags LIKE '%\"platform\"%'", "EffectiveCost")
    assert f"month-to-date EffectiveCost is {want:,.2f} USD" in r.text and "not the current one" not in r.text
    nov = Period(date(2024, 11, 1), date(2024, 12, 1), "November 2024", "month", to_date=True)
    r = (await intent.handle(msg, Parse("budget_status", 0.9, entities=Entities(period=nov)), ctx))[0]
    assert "which one?" in r.text and "november" not in r.text.lower()  # a month, not a team called "november"
