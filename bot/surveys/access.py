"""Who may answer a survey: its invited people, and for a survey announced in channels, people in those channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.models import ConversationKey
from bot.surveys.send import resolve
from bot.surveys.spec import SurveyInfo

if TYPE_CHECKING:
    from bot.infra import Infra


def from_announced_channel(services: Infra, info: SurveyInfo, key: ConversationKey) -> bool:
    """Whether a message comes from a channel this survey was announced in: the platform delivers a button press
    there only from someone in that channel (of that workspace), so it is the membership check."""
    if not info.channels or info.kind != "pulse" or not key.channel:
        return False
    return any(t.platform == key.platform and t.channel.partition(";")[0] == key.channel
               for t in resolve(services, info).channels)
