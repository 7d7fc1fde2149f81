"""Real-shaped Bot Framework activities as Microsoft Teams sends them (personal, group chat, channel, cards)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1_700_000_000_000)


def _client_info() -> dict[str, Any]:
    return {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London"}


def _people(people: dict[str, str] | None) -> list[dict[str, Any]]:
    """Mention entities as Teams sends them for each ``<at>Name</at>`` of a person in the text."""
    return [{"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": user, "name": name}}
            for user, name in (people or {}).items()]


@dataclass
class TeamsClient:
    """One Teams user talking to the bot; builds the JSON activities Teams would POST to /api/messages."""

    service_url: str
    user_id: str = "29:1alex-aad-user"
    user_name: str = "Alex Doe"
    tenant: str = "72f988bf-tenant"
    bot_id: str = "28:finops-app-id"
    bot_name: str = "finops-bot"
    personal_id: str = "a:1personal-conversation-alex"
    group_id: str = "19:group-chat-7c1f@thread.v2"
    channel_id: str = "19:finops-general@thread.tacv2"
    team_id: str = "19:team-payments@thread.tacv2"
    sent: list[dict[str, Any]] = field(default_factory=list)

    def _base(self, kind: str, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
        activity = {
            "type": kind,
            "id": str(next(_ids)),
            "timestamp": "2026-11-23T12:00:00.000Z",
            "localTimestamp": "2026-11-23T12:00:00.000+00:00",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": self.user_id, "name": self.user_name, "aadObjectId": "0b5c-aad-object"},
            "conversation": {"tenantId": self.tenant, **conversation},
            "recipient": {"id": self.bot_id, "name": self.bot_name},
            "channelData": {"tenant": {"id": self.tenant}},
            "locale": "en-GB",
            **extra,
        }
        self.sent.append(activity)
        return activity

    def personal(self, text: str, people: dict[str, str] | None = None) -> dict[str, Any]:
        """A message in the user's 1:1 chat with the bot; ``people`` (id → name) are the ``<at>Name</at>`` in it."""
        return self._base("message", {"conversationType": "personal", "id": self.personal_id}, text=text,
                          textFormat="plain", entities=[*_people(people), _client_info()])

    def group(self, text: str, mention: bool = True, people: dict[str, str] | None = None) -> dict[str, Any]:
        """A message in a group chat (the bot only receives it when mentioned)."""
        tag = f"<at>{self.bot_name}</at>"
        entities = [self._mention(tag), *_people(people), _client_info()] if mention else [_client_info()]
        return self._base("message", {"conversationType": "groupChat", "isGroup": True, "id": self.group_id},
                          text=f"{tag} {text}" if mention else text, textFormat="plain", entities=entities)

    def picture(self) -> dict[str, Any]:
        """A pasted image with no text in the 1:1 chat (Teams sends it as an attachment)."""
        image = {"contentType": "image/*", "contentUrl": f"{self.service_url}v3/attachments/img-1/views/original"}
        return self._base("message", {"conversationType": "personal", "id": self.personal_id}, text="",
                          textFormat="plain", attachments=[image], entities=[_client_info()])

    def channel(self, text: str, thread: str | None = None, mention: bool = True) -> dict[str, Any]:
        """A channel post mentioning the bot: a new thread (root = this message) or a reply in ``thread``.
        Without ``mention``: a post Teams delivers only to an app with the ChannelMessage.Read.Group permission."""
        message_id = str(next(_ids))
        root = thread or message_id
        tag = f"<at>{self.bot_name}</at>"
        activity = self._base(
            "message",
            {"conversationType": "channel", "isGroup": True, "id": f"{self.channel_id};messageid={root}"},
            text=f"{tag} {text}" if mention else text, textFormat="plain",
            entities=[self._mention(tag), _client_info()] if mention else [_client_info()],
            channelData=self._team_data())
        activity["id"] = message_id
        return activity

    def submit(self, action: dict[str, Any], reply_to: str, conversation: dict[str, Any]) -> dict[str, Any]:
        """Pressing an Action.Submit (messageBack) button: its text and data come back as text and value."""
        data = dict(action["data"])
        teams = data.get("msteams", {})
        conv = {k: v for k, v in conversation.items() if k != "tenantId"}
        return self._base("message", conv, text=teams.get("text", ""), value=data, replyToId=reply_to,
                          entities=[_client_info()])

    def fill(self, card: dict[str, Any], answers: dict[str, str], reply_to: str,
             conversation: dict[str, Any]) -> dict[str, Any]:
        """Filling a card's inputs and pressing its form button, as Teams does: the value is the button's data plus
        every input by id (initial values for untouched ones); Teams refuses to send with a required input empty."""
        inputs = {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}
        value = {name: answers.get(name, e.get("value", "")) for name, e in inputs.items()}
        missing = [n for n, e in inputs.items() if e.get("isRequired") and not value[n]]
        if missing:
            raise AssertionError(f"Teams would not send the card: {missing} required")
        [button] = [a for a in card.get("actions", []) if a["type"] == "Action.Submit" and "finops_form" in a["data"]]
        conv = {k: v for k, v in conversation.items() if k != "tenantId"}
        return self._base("message", conv, value={**button["data"], **value}, replyToId=reply_to,
                          entities=[_client_info()])

    def installed(self, scope: str = "personal") -> dict[str, Any]:
        """The conversationUpdate Teams sends when the app is added (personal, groupChat or team)."""
        conversation = {
            "personal": {"conversationType": "personal", "id": self.personal_id},
            "groupChat": {"conversationType": "groupChat", "isGroup": True, "id": self.group_id},
            "team": {"conversationType": "channel", "isGroup": True, "id": self.channel_id},
        }[scope]
        data = self._team_data() | {"eventType": "teamMemberAdded"} if scope == "team" else None
        extra: dict[str, Any] = {"membersAdded": [{"id": self.bot_id}]}
        if data:
            extra["channelData"] = data
        return self._base("conversationUpdate", conversation, **extra)

    def person_joined(self) -> dict[str, Any]:
        """A person (not the bot) added to the team: no welcome."""
        return self._base("conversationUpdate", {"conversationType": "channel", "isGroup": True,
                                                 "id": self.channel_id},
                          membersAdded=[{"id": "29:1someone-else", "aadObjectId": "x"}],
                          channelData=self._team_data() | {"eventType": "teamMemberAdded"})

    def _mention(self, tag: str) -> dict[str, Any]:
        return {"type": "mention", "text": tag, "mentioned": {"id": self.bot_id, "name": self.bot_name}}

    def _team_data(self) -> dict[str, Any]:
        return {"teamsChannelId": self.channel_id, "teamsTeamId": self.team_id,
                "channel": {"id": self.channel_id}, "team": {"id": self.team_id, "name": "Payments"},
                "tenant": {"id": self.tenant}}
