"""Reply → Block Kit: escaped mrkdwn, split to Slack's limits so a message is never rejected.

Limits: https://docs.slack.dev/reference/block-kit/blocks (50 blocks per message, 3000 chars of section text,
10 fields per section, 25 elements per actions block, 75 chars of button text, 2000 chars of button value,
10 elements per context block, 150 chars of header text).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.models import Choice, Reply

log = logging.getLogger(__name__)
Block = dict[str, Any]

MAX_BLOCKS, MAX_SECTION, MAX_FIELDS, MAX_FIELD = 50, 3000, 10, 2000
MAX_BUTTONS, MAX_BUTTON_TEXT, MAX_VALUE, MAX_CONTEXT, MAX_HEADER = 25, 75, 2000, 10, 150
MAX_TEXT = 3900  # the top-level ``text`` is shown in notifications; Slack truncates very long text itself
ACTION_PREFIX = "finops_choice_"
OPEN_FORM = "Open the form"  # a form in a plain message (no trigger to open a modal with): a click opens it
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage payload: notification text plus blocks."""

    text: str
    blocks: tuple[Block, ...]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Escaped user content with the little Markdown intents use (bold, links, headings) turned into mrkdwn."""
    out = escape(text)
    out = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", out)
    out = _BOLD.sub(r"*\1*", out)
    return _HEADING.sub(r"*\1*", out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split at paragraph, then line, then word boundaries into chunks of at most ``limit`` characters."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            amp = window.rfind("&", limit - 6)  # never cut an escape such as &amp; in two
            cut = amp if amp > 0 and ";" not in window[amp:] else limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(text: str) -> list[Block]:
    # Escaping lengthens text (& → &amp;): split the escaped form so every section stays under the limit.
    return [_section(chunk) for chunk in split_text(mrkdwn(text))]


def body_text(reply: Reply) -> str:
    """The text to show above the fields: lines that only repeat a field ("• Label: value") are left out, so each
    figure is shown once, in the grid (the notification text stays complete)."""
    if not reply.fields:
        return reply.text
    repeated = {f"{f.label}: {f.value}" for f in reply.fields}
    kept = [line for line in reply.text.split("\n") if line.strip().lstrip("•*- ").strip() not in repeated]
    return "\n".join(kept).strip() or reply.text


def one_primary(choices: tuple[Choice, ...], taken: bool = False) -> tuple[Choice, ...]:
    """The choices with at most one primary button (the first; none when ``taken`` by a form's button)."""
    first = None if taken else next((n for n, c in enumerate(choices) if c.style == "primary"), None)
    return tuple(replace(c, style=None) if c.style == "primary" and n != first else c for n, c in enumerate(choices))


def _field_sections(reply: Reply) -> list[Block]:
    fields = [{"type": "mrkdwn", "text": _clip(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD)}
              for f in reply.fields]
    return [{"type": "section", "fields": fields[i:i + MAX_FIELDS]} for i in range(0, len(fields), MAX_FIELDS)]


def button(choice: Choice, index: int) -> Block:
    """One button; the value comes back on click (a value over Slack's limit is cut, and logged)."""
    if len(choice.value) > MAX_VALUE:
        log.warning("button value cut to %d characters (action %d)", MAX_VALUE, index)
    element: Block = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{index}",
        "text": {"type": "plain_text", "text": _clip(choice.label.strip(), MAX_BUTTON_TEXT) or "…", "emoji": True},
    }
    if choice.value:  # Slack rejects an empty value; a button without one sends none
        element["value"] = choice.value[:MAX_VALUE]
    if choice.style in ("primary", "danger"):
        element["style"] = choice.style
    return element


def _actions(choices: tuple[Choice, ...]) -> list[Block]:
    buttons = [button(c, i) for i, c in enumerate(choices)]
    return [{"type": "actions", "block_id": f"finops_actions_{i // MAX_BUTTONS}",
             "elements": buttons[i:i + MAX_BUTTONS]} for i in range(0, len(buttons), MAX_BUTTONS)]


def _context(items: list[str]) -> list[Block]:
    elements = [{"type": "mrkdwn", "text": _clip(t, MAX_SECTION)} for t in items if t.strip()]
    return [{"type": "context", "elements": elements[i:i + MAX_CONTEXT]} for i in range(0, len(elements), MAX_CONTEXT)]


def reply_blocks(reply: Reply) -> list[Block]:
    """Every block of one reply, in reading order (may exceed one message: see ``render``)."""
    blocks: list[Block] = []
    if reply.title and reply.title.strip():
        title = _clip(reply.title.strip(), MAX_HEADER)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    blocks.extend(_sections(body_text(reply)) or [_section("…")])
    blocks.extend(_field_sections(reply))
    if reply.image is not None:
        blocks.extend(_context([f":bar_chart: {escape(reply.image.alt)}"]))
    choices = one_primary(reply.choices, taken=reply.form is not None)
    if reply.form is not None:
        choices = (*choices, Choice(OPEN_FORM, reply.form.id, "primary"))
    blocks.extend(_actions(choices))
    if reply.sources:
        links = [f"<{s.url}|{escape(s.title)}>" if s.url.startswith("http") else escape(s.title) for s in reply.sources]
        blocks.extend(_context([":books: Sources: " + " · ".join(links)]))
    if reply.footer and reply.footer.strip():
        blocks.extend(_context([escape(reply.footer)]))
    return blocks


def fallback_text(reply: Reply) -> str:
    """The plain ``text`` for notifications and screen readers: complete, escaped, capped."""
    text = f"{reply.title}\n{reply.text}" if reply.title else reply.text
    return _clip(escape(text.strip()), MAX_TEXT) or "…"


def render(reply: Reply) -> list[SlackMessage]:
    """One or more messages for a reply; only the first carries the full notification text."""
    blocks = reply_blocks(reply)
    pages = [blocks[i:i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)] or [[]]
    messages = [SlackMessage(fallback_text(reply), tuple(pages[0]))]
    for n, page in enumerate(pages[1:], start=2):
        messages.append(SlackMessage(f"(continued, part {n} of {len(pages)})", tuple(page)))
    return messages


def selected_blocks(blocks: list[Block], label: str) -> list[Block]:
    """A clicked DM message with its buttons replaced by a note of the choice (no second click)."""
    note = _context([f":white_check_mark: {escape(label)}"])[0]
    out = [b for b in blocks if b.get("type") != "actions"]
    return [*out, note] if len(out) < len(blocks) else blocks
