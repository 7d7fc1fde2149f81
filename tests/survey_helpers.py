"""Helpers for survey tests: a recording poster and short ways to speak as someone or press a button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.app import Bot
from bot.delivery import DeliveryResult, Target
from bot.identity import parse
from bot.models import Action, Reply, TurnResult
from tests.conftest import message


@dataclass
class Recorder:
    """A Poster that records what would be posted (and can fail for chosen people)."""

    platform: str
    posts: list[tuple[Target, list[Reply]]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Record the post; people in ``failing`` get a failed result."""
        if target.user_ref in self.failing:
            return DeliveryResult(ok=False, error="user_not_found")
        self.posts.append((target, list(replies)))
        return DeliveryResult(ok=True, message_id=f"m{len(self.posts)}")

    def to(self, user_ref: str) -> list[Reply]:
        """Every reply posted to a person's DM."""
        return [r for t, replies in self.posts if t.user_ref == user_ref for r in replies]


def record_posts(bot: Bot) -> dict[str, Recorder]:
    """Register recording posters for console, slack and teams."""
    posters = {p: Recorder(p) for p in ("console", "slack", "teams")}
    for poster in posters.values():
        bot.services.delivery.register(poster)
    return posters


def who(user_ref: str) -> dict[str, str]:
    """Keyword arguments of ``message`` for a user ref (talking in their DM, in their workspace)."""
    person = parse(user_ref)
    return {"user": person.user, "platform": person.platform, "tenant": person.tenant,
            "channel": f"D-{person.user}", "thread": ""}


async def say(bot: Bot, user_ref: str, text: str) -> TurnResult:
    """Type a message as ``user_ref``."""
    return await bot.router.handle(message(text, **who(user_ref)))


async def press(bot: Bot, user_ref: str, value: str) -> TurnResult:
    """Press a button as ``user_ref`` (the value arrives as text and as the action)."""
    return await bot.router.handle(message(value, action=Action("finops_choice_0", value), **who(user_ref)))


def text_of(result: TurnResult) -> str:
    """All reply texts of a turn."""
    return "\n".join(r.text for r in result.replies)
