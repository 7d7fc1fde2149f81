"""Slack interactivity: the `/finops` slash command, clicks on our buttons and submitted modals.

A mixin of ``SlackAdapter`` (``adapters/slack.py``), which registers these listeners and provides the turn and
posting helpers they use.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackClientError

from adapters.press_ids import press_id
from adapters.slack_modal import modal_view
from adapters.slack_render import render, selected_blocks
from adapters.slack_send import SEND_ERRORS, slack_error
from adapters.slack_text import metadata, slash_help, slash_text, team_of, view_form
from bot.models import Action, ConversationKey, IncomingMessage, Reply, TurnResult

if TYPE_CHECKING:
    from adapters.slack_send import SlackSender
    from bot.runtime import Bot

log = logging.getLogger(__name__)
MAX_RESPONSES = 5  # a response_url takes up to 5 messages within 30 minutes
ACK_SECONDS = 2.0  # a modal submission's turn runs before its ack for this long (Slack allows 3 s)


def _click_id(*parts: str) -> str:
    """A button press's event id: the same click twice gives the same id, but the id never reveals the value
    pressed or who pressed it (it is stored and logged; anonymous survey answers are buttons)."""
    return "slack:click:" + press_id(*parts)


class Interactivity:
    """The slash command, button and modal listeners (mixed into ``SlackAdapter``)."""

    if TYPE_CHECKING:
        bot: Bot

        async def sender_for(self, team: str, channel: str = "", user_ref: str = "") -> SlackSender: ...

        async def _turn(self, msg: IncomingMessage, channel: str, thread_ts: str, kind: str,
                        trigger_id: str = "") -> TurnResult: ...

        async def _deliver(self, msg: IncomingMessage, result: TurnResult, channel: str, thread_ts: str, kind: str,
                           trigger_id: str = "", dm_fallback: bool = False) -> TurnResult: ...

        async def _remember(self, key: ConversationKey, kind: str) -> None: ...

    async def _on_command(self, ack: Any, command: dict[str, Any], respond: Any, context: Any) -> None:
        """``/finops <subcommand>``: ack at once, then answer in the channel (help stays private)."""
        await ack()
        team, channel, user = team_of(command), command["channel_id"], command["user_id"]
        text = slash_text(command.get("text", ""), context.bot_user_id)
        key = ConversationKey("slack", team, channel, "", user)
        event_id = f"cmd:{command.get('trigger_id') or command.get('response_url', '')}"
        if text is None:  # ``/finops`` alone, ``help``, or a subcommand without its argument: the menu
            await respond(text=slash_help(command.get("command", "/finops")), response_type="ephemeral")
            return
        msg = IncomingMessage(key, text, event_id, is_direct=True, raw=command,
                              user_name=command.get("user_name"))
        result = await self.bot.router.handle(msg)
        if result.duplicate:
            return
        try:
            sender = await self.sender_for(team)
            await sender.post(channel, result.replies, user=user, trigger_id=str(command.get("trigger_id") or ""))
        except SlackClientError as exc:  # a private channel the bot is not in: answer privately instead
            log.info("slack: /finops answer falls back to the response_url (%s)", slack_error(exc))
            await self._respond_privately(team, result, respond)
            return
        await self._remember(key, "dm" if channel.startswith("D") else "channel")

    async def _respond_privately(self, team: str, result: TurnResult, respond: Any) -> None:
        """The answer through the command's ``response_url``, buttons and all (Slack accepts 5 responses)."""
        sender = await self.sender_for(team)
        note = Reply("_(I'm not in this channel, so only you see this. Invite me to share answers here.)_")
        pages = [m for r in await sender.with_names(result.replies) for m in render(r)]
        for page in [*pages[:MAX_RESPONSES - 1], *render(note)]:
            await respond(text=page.text, blocks=list(page.blocks), response_type="ephemeral")

    async def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        """A button of ours: its value goes through the router as text and as ``Action``; a double click once.

        Where the answer goes depends on whose message was clicked:
        - a shared post (channel, private channel, group DM) keeps its buttons for everyone else; the answer goes
          to the clicker only (ephemeral), so nobody else sees who clicked or what they chose;
        - an ephemeral message (only the clicker sees it) is replaced in place through its ``response_url``;
        - a DM message is updated in place: re-shown with new ticks when the answer carries the same buttons
          (multiple choice), else its buttons give way to the choice made (no second answer).
        """
        await ack()
        user, team = body["user"]["id"], team_of(body)
        value = str(action.get("value") or (action.get("selected_option") or {}).get("value", ""))
        action_id = action["action_id"]
        container, message = body.get("container") or {}, body.get("message") or {}
        if container.get("type") == "message" and container.get("channel_id"):
            channel, thread, ts = container["channel_id"], message.get("thread_ts") or "", container["message_ts"]
            event_id = _click_id(ts, action_id, value, user)
        else:  # App Home or a modal: answer in the user's DM
            view = body.get("view") or {}
            try:
                channel, thread, ts = await (await self.sender_for(team)).dm_channel(user), "", ""
            except SEND_ERRORS as exc:
                log.warning("slack: no DM to answer a click in: %s", slack_error(exc))
                return
            event_id = _click_id(str(view.get("id")), str(view.get("hash")), action_id, value, user)
        key = ConversationKey("slack", team, channel, thread, user)
        msg = IncomingMessage(key, value, event_id[:255], is_direct=True, action=Action(action_id, value), raw=body)
        kind, trigger = "dm" if channel.startswith("D") else "channel", str(body.get("trigger_id") or "")
        result = await self.bot.router.handle(msg)
        if result.duplicate:
            return
        if container.get("is_ephemeral") and body.get("response_url"):
            result = await self._replace_ephemeral(team, result, respond)
        elif kind == "channel":  # shared: the answer is the clicker's alone, the post stays as it is
            result = replace(result, replies=tuple(replace(r, ephemeral=True) for r in result.replies))
        elif ts and message.get("blocks") and not any(r.form for r in result.replies):
            # A form keeps its button: closing the modal without submitting must leave a way to open it again.
            result = await self._update_dm(team, channel, ts, message, result, str(
                (action.get("text") or {}).get("text") or value))
        await self._deliver(msg, result, channel, thread, kind, trigger)

    async def _replace_ephemeral(self, team: str, result: TurnResult, respond: Any) -> TurnResult:
        """Show the first reply in place of the clicked ephemeral message; the rest go out as new ones."""
        replies = result.replies
        if not replies or replies[0].form is not None:
            return replace(result, replies=tuple(replace(r, ephemeral=True) for r in replies))
        sender = await self.sender_for(team)
        [first] = await sender.with_names(replies[:1])
        pages = render(first)
        await respond(text=pages[0].text, blocks=list(pages[0].blocks), replace_original=True)
        more = (*(Reply(m.text) for m in pages[1:]), *replies[1:])
        return replace(result, replies=tuple(replace(r, ephemeral=True) for r in more))

    async def _update_dm(self, team: str, channel: str, ts: str, message: dict[str, Any], result: TurnResult,
                         label: str) -> TurnResult:
        """Update the clicked DM message: the same question with new ticks replaces it; otherwise its buttons
        give way to a note of the choice and the answer is posted after it. Returns what is left to post."""
        sender = await self.sender_for(team)
        replies = result.replies
        if len(replies) == 1 and replies[0].redraw:
            [again] = await sender.with_names(replies)
            page = render(again)[0]
            await sender.update(channel, ts, page.text, list(page.blocks))
            return replace(result, replies=())
        await sender.update(channel, ts, message.get("text", ""), selected_blocks(message["blocks"], label))
        return result

    async def _on_view(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A modal of ours was submitted: its inputs become ``Action.form``.

        The turn runs before the ack (Slack waits up to 3 s for it): when the intent sends the form back with a
        problem, the ack answers ``response_action: update`` with it, so the modal stays open, filled in, with the
        problem on top. Otherwise the ack closes the modal and the answer goes where the form was opened (its
        metadata). A turn slower than ACK_SECONDS is acknowledged first and answered afterwards.
        """
        user, team, meta = body["user"]["id"], team_of(body), metadata(view.get("private_metadata"))
        try:
            channel = meta.get("channel") or await (await self.sender_for(team)).dm_channel(user)
        except SEND_ERRORS as exc:  # nowhere to answer: close the modal rather than leave Slack waiting
            log.warning("slack: no conversation for a modal submission: %s", slack_error(exc))
            await ack()
            return
        form_id = meta.get("form") or view.get("callback_id", "")
        thread, text = meta.get("thread", ""), meta.get("text") or form_id
        key = ConversationKey("slack", team, channel, thread, user)
        action = Action(form_id, text, view_form(view.get("state", {}).get("values", {})))
        msg = IncomingMessage(key, text, f"view:{view.get('id')}:{view.get('hash')}", is_direct=True, action=action,
                              raw=body)
        kind, trigger = "dm" if channel.startswith("D") else "channel", str(body.get("trigger_id") or "")
        turn = asyncio.ensure_future(self.bot.router.handle(msg))
        done, _ = await asyncio.wait({turn}, timeout=ACK_SECONDS)
        if not done:  # answer after the ack; the turn itself is never cut short
            await ack()
            await self._deliver(msg, await turn, channel, thread, kind, trigger, dm_fallback=True)
            return
        result = turn.result()
        again = [r for r in result.replies if r.form is not None]
        if again and not result.duplicate:
            assert again[0].form is not None
            await ack(response_action="update", view=modal_view(again[0], again[0].form, channel, thread))
            rest = replace(result, replies=tuple(r for r in result.replies if r.form is None))
            await self._deliver(msg, rest, channel, thread, kind, dm_fallback=True)
            return
        await ack()
        await self._deliver(msg, result, channel, thread, kind, trigger, dm_fallback=True)
