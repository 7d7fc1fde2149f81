"""Red-team item 3: only invited people (or people in an announced channel) may answer; others learn nothing."""

from __future__ import annotations

from bot.db import utcnow
from bot.models import Action
from bot.surveys.send import send_survey
from bot.surveys.spec import from_yaml
from tests.conftest import message
from tests.survey_helpers import press, record_posts, say, text_of

TITLE = "Secret reorg pulse"


async def _send(bot, channels: bool) -> int:
    record_posts(bot)
    s = bot.services
    doc = (f"title: {TITLE}\naudience: [payments]\nanonymous: true\nchannels: {str(channels).lower()}\n"
           "deadline: in 30 days\nquestions:\n  - text: Happy?\n    type: single\n    options: [yes, no]\n")
    info = s.surveys.create(from_yaml(doc, utcnow(), s.settings.tz), "console:you@local")
    assert (await send_survey(s, s.surveys, info.id, "console:you@local")).sent
    return info.id


async def test_answer_survey_reveals_nothing_to_someone_not_invited(bot) -> None:
    sid = await _send(bot, channels=False)
    outsider = text_of(await say(bot, "slack:UOUTSIDER@T0001", f"answer survey {sid}"))
    missing = text_of(await say(bot, "slack:UOUTSIDER@T0001", "answer survey 999"))
    assert TITLE not in outsider and "closes" not in outsider.lower()
    assert outsider == missing.replace("999", str(sid))


async def test_a_channel_survey_cannot_be_joined_from_a_dm_or_another_channel(bot) -> None:
    sid = await _send(bot, channels=True)
    for n in range(4):  # forged answers to beat the anonymity threshold
        result = await press(bot, f"slack:UFORGED{n}@T0001", f"survey:{sid}:0:1")
        assert TITLE not in text_of(result)
        elsewhere = message(f"survey:{sid}:0:1", user=f"UFORGED{n}", platform="slack", channel="COTHER",
                            action=Action("finops_choice_0", f"survey:{sid}:0:1"))
        assert TITLE not in text_of(await bot.router.handle(elsewhere))
    refs = {i.user_ref for i in bot.services.surveys.invites(sid)}
    assert not any("UFORGED" in r for r in refs)
    assert bot.services.surveys.pool.people(sid) == set()


async def test_a_press_in_the_announced_channel_joins(bot) -> None:
    sid = await _send(bot, channels=True)
    press_there = message(f"survey:{sid}:0:1", user="UCHANNEL", platform="slack", channel="C0PAYMENTS",
                          action=Action("finops_choice_0", f"survey:{sid}:0:1"))
    await bot.router.handle(press_there)
    assert "slack:UCHANNEL@T0001" in {i.user_ref for i in bot.services.surveys.invites(sid)}
