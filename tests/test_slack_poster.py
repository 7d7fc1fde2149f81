"""Proactive Slack posts through services.delivery: channels, DMs, threads, charts, rate limits, Slack errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_send import SlackPoster, SlackSender
from bot.delivery import Delivery, Target
from bot.metrics import Metrics
from bot.models import Choice, Image, Reply
from tests.fakes.slack_api import FakeSlackAPI


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2, 3])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _delivery(fake: FakeSlackAPI, **client: Any) -> Delivery:
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

    web = AsyncWebClient(token="xoxb-test", base_url=fake.api_url,
                         retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)], **client)
    delivery = Delivery(Metrics())
    delivery.register(SlackPoster(SlackSender(web)))
    return delivery


REPLY = (Reply("Your weekly FinOps nudge", choices=(Choice("Done", "done"),)),)


async def test_post_to_a_channel_and_in_a_thread(fake: FakeSlackAPI) -> None:
    delivery = _delivery(fake)
    first = await delivery.send(Target("slack", "T1", channel="C1"), REPLY)
    assert first.ok and first.message_id
    threaded = await delivery.send(Target("slack", "T1", channel="C1", thread=first.message_id or ""), REPLY)
    assert threaded.ok
    posts = fake.of("chat.postMessage")
    assert [c.args.get("thread_ts") for c in posts] == [None, first.message_id]
    assert posts[0].args["blocks"][1]["elements"][0]["value"] == "done"


async def test_dm_opens_the_conversation_once(fake: FakeSlackAPI) -> None:
    delivery = _delivery(fake)
    for _ in range(2):
        assert (await delivery.send(Target("slack", "T1", user_ref="slack:U7@T0001"), REPLY)).ok
    assert len(fake.of("conversations.open")) == 1
    assert [c.args["channel"] for c in fake.of("chat.postMessage")] == ["D7", "D7"]


async def test_not_a_slack_user_is_a_failed_result(fake: FakeSlackAPI) -> None:
    result = await _delivery(fake).send(Target("slack", "T1", user_ref="teams:29:x@72f988bf-tenant"), REPLY)
    assert not result.ok and "not a Slack user" in (result.error or "")


async def test_ratelimited_is_retried_after_retry_after(fake: FakeSlackAPI) -> None:
    fake.fail("chat.postMessage", "ratelimited", times=2, status=429, **{"Retry-After": "0"})
    result = await _delivery(fake).send(Target("slack", "T1", channel="C1"), REPLY)
    assert result.ok
    assert len(fake.of("chat.postMessage")) == 3


async def test_ratelimited_too_often_is_reported(fake: FakeSlackAPI) -> None:
    fake.fail("chat.postMessage", "ratelimited", times=10, status=429, **{"Retry-After": "0"})
    result = await _delivery(fake).send(Target("slack", "T1", channel="C1"), REPLY)
    assert not result.ok and result.error == "ratelimited"
    assert len(fake.of("chat.postMessage")) == 4  # the first try and three retries


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "account_inactive", "is_archived"])
async def test_slack_errors_become_failed_results(fake: FakeSlackAPI, error: str) -> None:
    fake.fail("chat.postMessage", error)
    result = await _delivery(fake).send(Target("slack", "T1", channel="C404"), REPLY)
    assert not result.ok and result.error == error


async def test_dm_to_a_deactivated_user_is_reported(fake: FakeSlackAPI) -> None:
    fake.fail("conversations.open", "user_not_found")
    result = await _delivery(fake).send(Target("slack", "T1", user_ref="slack:UGONE@T0001"), REPLY)
    assert not result.ok and result.error == "user_not_found"


async def test_chart_is_uploaded_with_files_upload_v2(fake: FakeSlackAPI) -> None:
    png = _png()
    reply = Reply("Spend is up 12%", image=Image(png, alt="Daily spend, last 30 days", filename="spend.png"))
    result = await _delivery(fake).send(Target("slack", "T1", channel="C1", thread="1700000000.000001"), [reply])
    assert result.ok
    url = fake.of("files.getUploadURLExternal")[0].args
    assert url["filename"] == "spend.png" and int(url["length"]) == len(png)
    assert url["alt_txt"] == "Daily spend, last 30 days"
    upload = fake.of("upload")[0].args
    assert upload["png"] and upload["length"] == len(png)
    done = fake.of("files.completeUploadExternal")[0].args
    assert done["channel_id"] == "C1" and done["thread_ts"] == "1700000000.000001"
    assert [c.method for c in fake.calls] == [
        "chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


async def test_ephemeral_reply_goes_to_one_user(fake: FakeSlackAPI) -> None:
    from aiohttp import ClientSession

    async with ClientSession() as session:
        sender = SlackSender(AsyncWebClient(token="xoxb-test", base_url=fake.api_url, session=session))
        await sender.post("C1", [Reply("only you", ephemeral=True), Reply("everyone")], user="U3")
    assert fake.of("chat.postEphemeral")[0].args["user"] == "U3"
    assert [c.args["text"] for c in fake.of("chat.postMessage")] == ["everyone"]
