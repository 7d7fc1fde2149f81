"""Platform-neutral values that flow between adapters, the router and intents (no SDK types here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.identity import make_ref
from knowledge.source import Source


@dataclass(frozen=True)
class ConversationKey:
    """Who is talking where: one conversation state exists per key."""

    platform: str  # "slack" | "teams" | "console"
    tenant: str  # Slack team_id, Teams tenant id, "local" in the console
    channel: str  # channel / conversation id (a DM is a channel too)
    thread: str  # thread root ("" when not in a thread)
    user: str  # platform user id

    def as_str(self) -> str:
        """Stable string form used as the database key."""
        return "|".join(p.replace("|", "%7C") for p in self.parts())

    def parts(self) -> tuple[str, str, str, str, str]:
        """The five components in order."""
        return (self.platform, self.tenant, self.channel, self.thread, self.user)

    @property
    def user_ref(self) -> str:
        """The person's user ref, ``platform:user@tenant`` (how roles, owners and audit name people)."""
        return make_ref(self.platform, self.tenant, self.user)


@dataclass(frozen=True)
class Action:
    """A button press or card submission: the id of the control and the value it carried."""

    id: str
    value: str
    form: Mapping[str, str] = field(default_factory=dict)  # modal / card inputs by field name


@dataclass(frozen=True)
class IncomingMessage:
    """One user turn as the router sees it."""

    key: ConversationKey
    text: str
    event_id: str
    is_direct: bool = False
    action: Action | None = None
    raw: Mapping[str, Any] | None = None
    user_name: str | None = None
    images: bool = True  # the adapter can show pictures; the terminal and ``ask`` cannot, so no chart is drawn
    # False for a follow-up without a mention in a channel thread, where people also talk to each other: the
    # router then leaves a remark it does not understand unanswered (a question still gets "I don't know").
    addressed: bool = True

    def submitted(self, form_id: str) -> Mapping[str, str] | None:
        """The values of form ``form_id`` when this message is its submission, else None."""
        action = self.action
        return action.form if action is not None and action.id == form_id and action.form else None


@dataclass(frozen=True)
class Choice:
    """A button. Pressing it sends ``value`` back as the message text and as ``Action.value``."""

    label: str
    value: str
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True)
class Field:
    """A labelled figure shown in a grid (Slack fields, Adaptive Card FactSet)."""

    label: str
    value: str


@dataclass(frozen=True)
class Image:
    """A picture (a chart) as PNG bytes with alternative text."""

    png: bytes
    alt: str
    filename: str = "chart.png"


@dataclass(frozen=True)
class Input:
    """One field of a form: free text (one line or several) or a choice among options."""

    name: str  # the key of the value in ``Action.form``
    label: str
    kind: str = "text"  # "text" | "multiline" | "choice"
    options: tuple[Choice, ...] = ()  # for "choice": label shown, value submitted
    hint: str = ""  # an example or a short explanation under the field
    initial: str = ""  # a value filled in already (a choice's value)
    optional: bool = False


@dataclass(frozen=True)
class Form:
    """Fields to fill in one go: a Slack modal, an Adaptive Card with inputs, questions one by one in the terminal.

    ``id`` is also the command that opens the form; a filled form comes back as ``Action(id, id, form=values)``
    with ``id`` as the text. Every form has a one-line command as well, which the reply's text names.
    """

    id: str
    title: str  # short: Slack shows 24 characters
    submit: str  # the submit button's label
    inputs: tuple[Input, ...]


@dataclass(frozen=True)
class Reply:
    """One message to show. ``text`` is always complete on its own; the rest is optional richness."""

    text: str
    title: str | None = None
    choices: tuple[Choice, ...] = ()
    fields: tuple[Field, ...] = ()
    image: Image | None = None
    sources: tuple[Source, ...] = ()
    footer: str | None = None  # small print, e.g. the framework edition or "data as of"
    ephemeral: bool = False
    form: Form | None = None  # fields to fill (a modal on Slack, inputs on a Teams card, prompts in the terminal)
    # The pressed message itself, redrawn (a multiple-choice tick): a personal message may be replaced in place.
    redraw: bool = False


@dataclass(frozen=True)
class Match:
    """An intent's claim on a message, with a score in [0, 1] and what it understood."""

    intent: str
    score: float
    topic: str | None = None
    slots: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnResult:
    """What one turn produced: the replies plus how the router understood the message."""

    replies: tuple[Reply, ...]
    intent: str
    topic: str | None = None
    confidence: float = 0.0
    duplicate: bool = False
