"""A maturity stage of one capability ("what does Walk look like for anomaly management?") is answered from that
capability's own description of the stage, then the stage in general, with both articles' sources; a stage asked
about on its own keeps the stage's answer. Questions written for these tests (none is in the training files)."""

from __future__ import annotations

from bot.app import Bot
from intents.kb_stage import stage_points
from knowledge.base import KnowledgeBase
from tests.conftest import message


async def test_a_stage_of_a_named_capability_leads_with_the_capabilitys_own_words(bot: Bot) -> None:
    result = await bot.router.handle(message("what would walk maturity mean for forecasting?",
                                             thread="stage-1"))
    [reply] = result.replies
    assert reply.text.startswith("Walk for Forecasting"), reply.text
    first = reply.text.splitlines()[1]
    assert "Walk" in first and "at Crawl" not in first.split("Walk")[0], first  # its own Walk words come first
    assert "In general, Walk:" in reply.text
    titles = " ".join(s.title for s in reply.sources)
    assert "Maturity Model" in titles and "Forecast" in titles, titles  # both articles are cited


async def test_a_stage_on_its_own_keeps_the_stage_answer(bot: Bot) -> None:
    result = await bot.router.handle(message("explain the crawl maturity stage", thread="stage-2"))
    [reply] = result.replies
    assert reply.title == "Crawl maturity stage" and not reply.text.startswith("Crawl for"), reply.text


def test_stage_points_take_the_part_about_that_stage_only() -> None:
    kb = KnowledgeBase.load()
    article = kb.get("capability/anomaly-management")
    assert article is not None
    [walk] = [p for p in stage_points(article, "Walk") if p.startswith("Maturity:")]
    assert "Walk" in walk and "Crawl" not in walk and "Run" not in walk, walk
    allocation = kb.get("capability/allocation")
    assert allocation is not None
    kpi = [p for p in stage_points(allocation, "Run") if "90%" in p]
    assert kpi and "**Run**" in kpi[0], kpi  # a part too short alone ("over 90% at Run") keeps its sentence
    assert kpi[0].startswith("Key KPI (percentage of spend allocated):"), kpi  # and says what is measured
