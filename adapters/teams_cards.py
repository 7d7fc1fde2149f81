"""Reply → Bot Framework activity JSON for Teams: markdown text plus Adaptive Cards (pure, no SDK import)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from adapters.slack_render import one_primary, split_text
from bot.models import Choice, Form, Input, Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Teams refuses an Adaptive Card over about 28 KB; stay under it with a margin for the envelope.
MAX_CARD_BYTES = 27 * 1024
MAX_ELEMENT_CHARS = 6000  # one TextBlock/FactSet value longer than this is cut (the full text stays in `text`)
FACTS_PER_SET = 10
# Teams shows at most 6 actions in one set; more buttons (an assessment's 0-4 + skip/back/why/pause) go in
# ActionSet rows inside the body so none is hidden.
MAX_CARD_ACTIONS, ROW_ACTIONS = 6, 5
_STYLES = {"primary": "positive", "danger": "destructive"}
FORM_KEY = "finops_form"  # in a submitted card's value: the id of the form whose inputs come with it
# A pressed button's label, its card's first line, and a digest of its card's buttons (same digest: same question)
LABEL_KEY, PROMPT_KEY, SET_KEY = "finops_label", "finops_prompt", "finops_set"
PROMPT_CHARS = 200
# Teams refuses a message over 100 KB counted as UTF-16, base64 images excluded (413 MessageSizeTooBig) and
# advises staying within 80 KB: https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
MAX_ACTIVITY_BYTES, TARGET_ACTIVITY_BYTES = 100 * 1024, 80 * 1024
TEXT_CHARS = 16_000  # one activity's text: ≤ 64 KB in UTF-16 even if every character took 4 bytes
MORE = "*(more below)*"
_DATA_URI = re.compile(r'"data:[^;"]+;base64,[A-Za-z0-9+/=]*"')


def teams_markdown(text: str) -> str:
    """Teams renders a single newline as a space in bot markdown: make every line break a paragraph break."""
    return re.sub(r"(?<!\n)\n(?!\n)", "\n\n", text.strip())


def wants_card(reply: Reply) -> bool:
    """Whether the reply has anything a plain markdown message cannot show."""
    return bool(reply.title or reply.choices or reply.fields or reply.sources or reply.footer or reply.form)


def choice_set(choices: tuple[Choice, ...]) -> str:
    """A short digest of a set of buttons' values: a reply showing the same set is the same question again."""
    return hashlib.sha256("\x1f".join(sorted(c.value for c in choices)).encode()).hexdigest()[:12]


def submit_action(choice: Choice, prompt: str = "", buttons: str = "") -> dict[str, Any]:
    """An Action.Submit that works for clicks: Teams shows the label as the user's message and sends the value.

    ``messageBack`` puts ``text`` into the activity text (so routing works like typing) and the ``data`` keys
    into ``activity.value`` (so the adapter can tell a press from typing); see Teams "card actions" docs. The
    label and the card's first line come back too, so a personal card can be replaced by what was chosen.
    """
    data: dict[str, Any] = {
        "value": choice.value,
        "msteams": {"type": "messageBack", "displayText": choice.label, "text": choice.value,
                    "value": json.dumps({"value": choice.value})},
        LABEL_KEY: choice.label[:80],
    }
    if prompt:
        data[PROMPT_KEY] = prompt[:PROMPT_CHARS]
    if buttons:
        data[SET_KEY] = buttons
    action: dict[str, Any] = {"type": "Action.Submit", "title": choice.label[:80], "data": data}
    if choice.style in _STYLES:
        action["style"] = _STYLES[choice.style]
    return action


def form_input(field: Input) -> dict[str, Any]:
    """An Input.Text or Input.ChoiceSet; required fields are checked by Teams before the card is sent."""
    element: dict[str, Any] = {"id": field.name, "label": field.label, "isRequired": not field.optional}
    if not field.optional:
        element["errorMessage"] = f"{field.label} is needed"
    if field.kind == "choice":
        element.update({"type": "Input.ChoiceSet", "style": "compact",
                        "choices": [{"title": o.label, "value": o.value} for o in field.options]})
    else:
        element.update({"type": "Input.Text", "isMultiline": field.kind == "multiline"})
        if field.hint:
            element["placeholder"] = field.hint
    if field.initial:
        element["value"] = field.initial
    return element


def form_submit(form: Form) -> dict[str, Any]:
    """The form's submit button: Teams sends the inputs and ``{FORM_KEY: form.id}`` as the activity's value."""
    return {"type": "Action.Submit", "title": form.submit[:80], "style": "positive", "data": {FORM_KEY: form.id}}


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ELEMENT_CHARS else text[: MAX_ELEMENT_CHARS - 1] + "…"


def _elements(reply: Reply) -> list[dict[str, Any]]:
    """Card body elements in order; the reply text itself is the activity text, so it is not repeated here."""
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append({"type": "TextBlock", "text": _cut(reply.title), "weight": "Bolder", "size": "Medium",
                     "wrap": True})
    # The activity text is also the notification, so it stays complete: figures it already states are not repeated
    facts = [{"title": _cut(f.label), "value": _cut(f.value)} for f in reply.fields
             if f"{f.label}: {f.value}" not in reply.text]
    for start in range(0, len(facts), FACTS_PER_SET):
        body.append({"type": "FactSet", "facts": facts[start:start + FACTS_PER_SET]})
    if reply.form is not None:
        body.extend(form_input(f) for f in reply.form.inputs)
    if reply.sources:
        links = " · ".join(f"[{s.title.replace(']', ')')}]({s.url})" for s in reply.sources)
        body.append({"type": "TextBlock", "text": _cut(f"Sources: {links}"), "size": "Small", "isSubtle": True,
                     "wrap": True})
    if reply.footer:
        body.append({"type": "TextBlock", "text": _cut(reply.footer), "size": "Small", "isSubtle": True,
                     "wrap": True})
    return body


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


def card_size(card: dict[str, Any]) -> int:
    """Size of a card as sent (UTF-8 JSON bytes)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _buttons(reply: Reply) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(card-level actions, ActionSet rows for the body): rows only when there are too many for one set."""
    prompt = (reply.title or reply.text.strip().split("\n", 1)[0]).strip()
    # one positive action per set: the form's submit, else the first primary choice
    buttons = choice_set(reply.choices)
    actions = [submit_action(c, prompt, buttons) for c in one_primary(reply.choices, taken=reply.form is not None)]
    if reply.form is not None:
        actions.insert(0, form_submit(reply.form))
    if len(actions) <= MAX_CARD_ACTIONS:
        return actions, []
    return [], [{"type": "ActionSet", "actions": actions[i:i + ROW_ACTIONS]}
                for i in range(0, len(actions), ROW_ACTIONS)]


def adaptive_cards(reply: Reply) -> list[dict[str, Any]]:
    """One card, or several when the content would exceed the size limit (buttons stay at the end)."""
    actions, rows = _buttons(reply)
    cards: list[dict[str, Any]] = []
    body: list[dict[str, Any]] = []
    for element in [*_elements(reply), *rows]:
        if body and card_size(_card([*body, element], [])) > MAX_CARD_BYTES:
            cards.append(_card(body, []))
            body = []
        body.append(element)
    if body and card_size(_card(body, actions)) > MAX_CARD_BYTES:
        cards.append(_card(body, []))
        body = []
    cards.append(_card(body, actions))
    return cards


def image_attachment(png: bytes, name: str) -> dict[str, Any]:
    """An inline image: a data URI attachment (not counted in the message size limit, shown in every scope)."""
    return {"contentType": "image/png", "name": name,
            "contentUrl": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}


def activity_size(activity: dict[str, Any]) -> int:
    """An activity's size as Teams counts it: the JSON in UTF-16, base64 images left out."""
    return len(_DATA_URI.sub('""', json.dumps(activity, ensure_ascii=False)).encode("utf-16-le"))


def _text_parts(text: str) -> list[str]:
    """The reply text in parts each small enough for one activity; all but the last say more follows."""
    parts = split_text(text, TEXT_CHARS) or [""]
    return [f"{part}\n\n{MORE}" for part in parts[:-1]] + parts[-1:]


def render_activities(reply: Reply) -> list[dict[str, Any]]:
    """The message activities (JSON, camelCase) for one reply, each under Teams' size limit.

    A long text is split over several messages ("more below"); the card goes with the last part when both fit
    in one message. Several attachments go one per message after the first (Teams would show them as a carousel
    and count them together against the message size limit).
    """
    attachments: list[dict[str, Any]] = []
    if wants_card(reply):
        attachments = [{"contentType": CARD_CONTENT_TYPE, "content": c} for c in adaptive_cards(reply)]
    if reply.image is not None:
        attachments.append(image_attachment(reply.image.png, reply.image.filename))
    out: list[dict[str, Any]] = [{"type": "message", "text": part, "textFormat": "markdown"}
                                 for part in _text_parts(teams_markdown(reply.text))]
    rest = attachments
    if attachments and activity_size({**out[-1], "attachments": attachments[:1]}) <= TARGET_ACTIVITY_BYTES:
        out[-1]["attachments"], rest = attachments[:1], attachments[1:]
    out.extend({"type": "message", "attachments": [a]} for a in rest)
    if reply.image is not None:
        out[-1]["summary"] = reply.image.alt  # shown in notifications and read by screen readers
    return out


def chosen_card(label: str, prompt: str) -> dict[str, Any]:
    """What a personal card becomes once a button on it was pressed: its first line and the choice, no buttons."""
    body = [{"type": "TextBlock", "text": _cut(prompt), "wrap": True}] if prompt else []
    body.append({"type": "TextBlock", "text": _cut(f"✅ {label}"), "weight": "Bolder", "wrap": True})
    return _card(body, [])
