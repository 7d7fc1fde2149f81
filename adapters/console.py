"""Terminal adapter for ``finops-bot chat``: the same router, plain-text rendering, numbered choices."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Sequence
from typing import TextIO

from bot.delivery import DeliveryResult, Target
from bot.models import Action, ConversationKey, IncomingMessage, Reply
from bot.router import Router

PROMPT = "you> "


def render(reply: Reply, number_from: int = 1) -> str:
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
        parts.append(f"[chart: {reply.image.alt}]")
    if any(c.label.strip().isdigit() for c in reply.choices):
        parts.append("  " + "  ".join(f"[{c.label}]" for c in reply.choices))
    else:
        parts.extend(f"  [{n}] {c.label}" for n, c in enumerate(reply.choices, start=number_from))
    if reply.sources:
        parts.append("Sources: " + "; ".join(f"{s.title} <{s.url}>" for s in reply.sources))
    if reply.footer:
        parts.append(reply.footer)
    return "\n".join(parts)


class ConsoleSession:
    """One person chatting in the terminal; typing a choice's number presses that button."""

    def __init__(self, router: Router, user: str = "you", tenant: str = "local") -> None:
        self.router = router
        self.key = ConversationKey("console", tenant, "console", "", user)
        self._choices: list[tuple[str, str]] = []  # (label, value) of the last replies' buttons

    def _message(self, text: str) -> IncomingMessage:
        text = text.strip()
        action = None
        by_label = {label.strip().lower(): value for label, value in self._choices}
        numbered = not any(label.strip().isdigit() for label in by_label)
        if text.lower() in by_label:
            action = Action(id="choice", value=by_label[text.lower()])
        elif numbered and text.isdigit() and 1 <= int(text) <= len(self._choices):
            action = Action(id="choice", value=self._choices[int(text) - 1][1])
        if action is not None:
            text = action.value
        return IncomingMessage(self.key, text, event_id=uuid.uuid4().hex, is_direct=True, action=action,
                               images=False)

    async def send(self, text: str) -> list[str]:
        """Route one line and return the rendered replies."""
        result = await self.router.handle(self._message(text))
        out, self._choices = [], []
        for reply in result.replies:
            out.append(render(reply, number_from=len(self._choices) + 1))
            self._choices.extend((c.label, c.value) for c in reply.choices)
        return out


class ConsolePoster:
    """Proactive posts in ``chat`` mode are printed, so nudges and alerts can be tried locally."""

    def __init__(self, out: TextIO, platform: str = "console") -> None:
        self.out = out
        self.platform = platform

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Print the replies with their destination."""
        for reply in replies:
            print(f"\n[to {target.describe()}]\n{render(reply)}", file=self.out, flush=True)
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
