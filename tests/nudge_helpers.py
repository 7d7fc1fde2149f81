"""Helpers for the nudge tests: the real Slack/Teams posters pointed at the local fakes, a fixed clock, chat turns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_send import SlackPoster, SlackSender
from bot.app import Bot
from bot.models import TurnResult
from tests.conftest import message
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import FakeSlackAPI

TENANT = "72f988bf-tenant"


def use_slack(bot: Bot, fake: FakeSlackAPI) -> None:
    """Register the real SlackPoster, talking to the fake Web API."""
    retry = [AsyncRateLimitErrorRetryHandler(max_retry_count=3)]  # as adapters/slack.py: Retry-After honoured
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=retry)
    bot.services.delivery.register(SlackPoster(SlackSender(client)))


def use_teams(bot: Bot, connector: FakeConnector, conversation: str) -> None:
    """Register the real TeamsPoster and store a channel reference served by the fake connector."""
    from adapters.teams import TeamsAdapter, TeamsPoster

    bot.services.delivery.register(TeamsPoster(TeamsAdapter(bot)))
    payload = {"serviceUrl": connector.url, "channelId": "msteams", "bot": {"id": "28:bot", "name": "finops-bot"},
               "conversation": {"id": conversation, "conversationType": "channel", "isGroup": True,
                                "tenantId": TENANT}, "user": {"id": "29:someone"}}
    assert bot.services.refs is not None
    bot.services.refs.remember("teams", TENANT, conversation, "", "channel", payload)


def freeze(bot: Bot, at: datetime) -> None:
    """Make the router and the scheduler see ``at`` as now."""
    bot.router.clock = lambda: at
    bot.services.scheduler.clock = lambda: at


async def say(bot: Bot, text: str, user: str = "you", platform: str = "console", **kw: Any) -> TurnResult:
    """One chat turn (the default console user is the local operator, an admin)."""
    return await bot.router.handle(message(text, user=user, platform=platform, **kw))


def first(result: TurnResult) -> str:
    """The first reply's text."""
    return result.replies[0].text
