"""A message with two questions about different topics gets both answered, through the real router: the first in
full (its own shape, not the second question's), the second shortly, each with its own title and sources.
The questions are written for these tests (none is in the training files or tests/eval)."""

from __future__ import annotations

from bot.app import Bot
from tests.conftest import message


async def test_two_questions_about_two_topics_get_two_answers(bot: Bot) -> None:
    result = await bot.router.handle(message("what is the inform phase? also, who is the finops practitioner?",
                                             thread="two-1"))
    assert [r.title for r in result.replies] == ["Inform phase", "FinOps Practitioner persona"], result.replies
    first, second = result.replies
    assert not first.text.startswith("Who is involved"), first.text  # the first question's shape, not the second's
    assert second.text.startswith("And your other question, FinOps Practitioner persona:")
    assert "More" not in [c.label for c in second.choices]  # "more" continues the first answer
    assert first.sources and second.sources
    more = await bot.router.handle(message("more", thread="two-1"))
    assert more.replies[0].title == "Inform phase"


async def test_one_question_or_the_same_topic_twice_gets_one_answer(bot: Bot) -> None:
    for n, text in enumerate(("what is showback?", "what is showback? how does showback work?",
                              "what is showback. I mean, for our team")):
        result = await bot.router.handle(message(text, thread=f"two-one-{n}"))
        assert len(result.replies) == 1, (text, [r.title for r in result.replies])
