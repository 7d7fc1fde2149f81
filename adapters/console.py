"""Terminal adapter for ``finops-bot chat``: the same router, plain-text rendering, numbered choices."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.delivery import DeliveryResult, Target
from bot.models import Action, ConversationKey, Form, IncomingMessage, Input, Reply, TurnResult
from bot.router import Router

PROMPT = "you> "
EMPTY_LINE = "(Type a question, a number to press a button, “help” to see what I can do, or “exit”.)"


def render(reply: Reply, number_from: int = 1, charts: bool = False) -> str:
    """A reply as plain text: title, text, fields, choices (numbered unless their labels are numbers)."""
    parts: list[str] = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    parts.append(reply.text)
    fields = [f for f in reply.fields if f"{f.label}: {f.value}" not in reply.text]  # already in the text
    if fields:
        width = max(len(f.label) for f in fields)
        parts.extend(f"  {f.label.ljust(width)}  {f.value}" for f in fields)
    if reply.image is not None:
        saved = ""
        if charts:  # the terminal can't show pictures: the PNG goes to a file whose path is printed
            folder = Path(tempfile.gettempdir()) / "finops-bot-charts"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / reply.image.filename).write_bytes(reply.image.png)
            saved = f" saved to {folder / reply.image.filename}"
        parts.append(f"[chart: {reply.image.alt}]{saved}")
    if any(c.label.strip().isdigit() for c in reply.choices):
        parts.append("  " + "  ".join(f"[{c.label}]" for c in reply.choices))
    else:
        parts.extend(f"  [{n}] {c.label}" for n, c in enumerate(reply.choices, start=number_from))
    if reply.sources:
        parts.append("Sources: " + "; ".join(f"{s.title} <{s.url}>" for s in reply.sources))
    if reply.footer:
        parts.append(reply.footer)
    return "\n".join(parts)


def prompt(field: Input, number: int, total: int) -> str:
    """One form field as a question: label, hint, numbered options, what Enter does."""
    line = f"[{number}/{total}] {field.label}" + (f" — {field.hint}" if field.hint else "")
    if field.kind == "choice":
        line += "\n" + "  ".join(f"[{n}] {o.label}" for n, o in enumerate(field.options, start=1))
    if field.initial:
        shown = next((o.label for o in field.options if o.value == field.initial), field.initial)
        line += f"\n(Enter keeps: {shown})"
    elif field.optional:
        line += "\n(optional: Enter skips it)"
    return line


@dataclass
class _Filling:
    """A form being filled in the terminal."""

    form: Form
    values: dict[str, str] = field(default_factory=dict)
    index: int = 0

    @property
    def current(self) -> Input:
        return self.form.inputs[self.index]

    def prompt(self) -> str:
        return prompt(self.current, self.index + 1, len(self.form.inputs))

    def answer(self, text: str) -> str | None:
        """Take the answer to the current field; a problem to show (and ask again) or None."""
        field, text = self.current, text.strip()
        if not text:
            if not (field.initial or field.optional):
                return f"{field.label} is needed."
            text = field.initial
        elif field.kind == "choice":
            options = field.options
            by_text = {o.label.lower(): o.value for o in options} | {o.value.lower(): o.value for o in options}
            if text.isdigit() and 1 <= int(text) <= len(options):
                text = options[int(text) - 1].value
            elif text.lower() in by_text:
                text = by_text[text.lower()]
            else:
                return f"Please pick one of the {len(options)} options by number or name."
        self.values[field.name] = text
        self.index += 1
        return None

    @property
    def done(self) -> bool:
        return self.index >= len(self.form.inputs)


class ConsoleSession:
    """One person chatting in the terminal; typing a choice's number presses that button."""

    def __init__(self, router: Router, user: str = "you", tenant: str = "local") -> None:
        self.router = router
        self.key = ConversationKey("console", tenant, "console", "", user)
        self._choices: list[tuple[str, str]] = []  # (label, value) of the last replies' buttons
        self._shown_by: dict[str, list[tuple[str, str]]] = {}  # the buttons each intent showed last
        self._last_intent = ""
        self._offered: list[tuple[str, str]] = []  # buttons delivered to this person during the current turn
        self._filling: _Filling | None = None  # a form being filled, one field per line

    def offer(self, replies: Sequence[Reply]) -> None:
        """Replies delivered to this person (a survey invitation): typing a number presses their buttons, unless
        the turn that caused them shows buttons of its own."""
        offered = [(c.label, c.value) for r in replies for c in r.choices]
        if offered:
            self._choices, self._offered, self._last_intent = offered, offered, ""

    async def _buttons(self) -> list[tuple[str, str]]:
        """The buttons a typed number or label presses: the last ones shown, unless a side question was answered
        in the middle of a flow (an assessment): then the flow's own buttons, not the side answer's."""
        if not self._last_intent:
            return self._choices
        services = self.router.services
        state = await services.db.run(services.conversations.load, self.key.as_str(), datetime.now(UTC))
        flow = state.intent
        if flow and flow != self._last_intent:
            return self._shown_by.get(flow, [])
        return self._choices

    async def _message(self, text: str) -> IncomingMessage:
        text = text.strip()
        action = None
        choices = await self._buttons() if text else []
        by_label = {label.strip().lower(): value for label, value in choices}
        numbered = not any(label.strip().isdigit() for label in by_label)
        if text.lower() in by_label:
            action = Action(id="choice", value=by_label[text.lower()])
        elif numbered and text.isdigit() and 1 <= int(text) <= len(choices):
            action = Action(id="choice", value=choices[int(text) - 1][1])
        if action is not None:
            text = action.value
        return IncomingMessage(self.key, text, event_id=uuid.uuid4().hex, is_direct=True, action=action,
                               images=True)  # charts are written to files (render(charts=True))

    async def send(self, text: str) -> list[str]:
        """Route one line (or take it as the answer to a form's field) and return what to show."""
        filling = self._filling
        if filling is not None:
            if text.strip().lower() in ("cancel", "stop", "quit form"):
                self._filling = None
                return [f"Closed the form “{filling.form.title}”; nothing was submitted."]
            problem = filling.answer(text)
            if problem is not None:
                return [f"{problem}\n{filling.prompt()}"]
            if not filling.done:
                return [filling.prompt()]
            self._filling = None
            form_id = filling.form.id
            msg = IncomingMessage(self.key, form_id, event_id=uuid.uuid4().hex, is_direct=True, images=False,
                                  action=Action(form_id, form_id, dict(filling.values)))
            return self._show(await self.router.handle(msg))
        if not text.strip():  # an empty line: a one-line hint, not the whole help every time
            return [EMPTY_LINE]
        msg = await self._message(text)
        self._offered = []
        return self._show(await self.router.handle(msg))

    def _show(self, result: TurnResult) -> list[str]:
        replies = result.replies
        out, self._choices, self._last_intent = [], [], result.intent
        for reply in replies:
            shown = render(reply, number_from=len(self._choices) + 1, charts=True)
            self._choices.extend((c.label, c.value) for c in reply.choices)
            if reply.form is not None and len(reply.form.inputs) == 1:  # the reply asks for it: the next line
                self._filling = _Filling(reply.form)
                out.append(shown)
            elif reply.form is not None and reply.form.inputs:
                self._filling = _Filling(reply.form)
                shown += (f"\nFill in the form, one field at a time ({len(reply.form.inputs)} fields; "
                          "type 'cancel' to stop):")
                out.extend((shown, self._filling.prompt()))
            else:
                out.append(shown)
        if self._choices:
            self._shown_by[result.intent] = list(self._choices)
        elif self._offered:  # e.g. "survey send" delivered an invitation to the person at the terminal
            self._choices, self._last_intent = self._offered, ""
        self._offered = []
        return out


class ConsolePoster:
    """Proactive posts in ``chat`` mode are printed, so nudges and alerts can be tried locally."""

    def __init__(self, out: TextIO, platform: str = "console", session: ConsoleSession | None = None) -> None:
        self.out = out
        self.platform = platform
        self.session = session  # the person at the terminal: what is sent to them can be answered by number

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Print the replies with their destination."""
        for reply in replies:
            print(f"\n[to {target.describe()}]\n{render(reply)}", file=self.out, flush=True)
        session = self.session
        if session is not None and target.user_ref and target.user_ref == session.key.user_ref:
            session.offer(replies)
        return DeliveryResult(ok=True, message_id=uuid.uuid4().hex)


async def run_chat(session: ConsoleSession, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Read lines until EOF or "exit"/"quit"; print answers."""
    interactive = stdin.isatty()
    print("finops-bot chat: ask about FinOps, your budget or maturity. Type 'help', or 'exit' to leave.",
          file=stdout, flush=True)
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        if line.strip().lower() in ("exit", "quit", ":q"):
            break
        if not interactive:
            print(f"{PROMPT}{line.rstrip()}", file=stdout)
        for text in await session.send(line):
            print(f"bot> {text}\n", file=stdout, flush=True)
