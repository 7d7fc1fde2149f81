"""``finops-bot ask``: one answer per question, in one process, optionally as JSON lines."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.app import build_bot
from bot.config import Settings
from bot.models import ConversationKey, IncomingMessage, TurnResult
from bot.router import Router

# The intents the JSON contract knows (DESIGN.md); anything else is reported as "unknown".
CONTRACT_INTENTS = {"framework_question", "budget_status", "maturity_status", "start_assessment", "help", "unknown"}


def as_json(question: str, result: TurnResult) -> str:
    """One JSON line in the ``ask --json`` contract."""
    intent = result.intent if result.intent in CONTRACT_INTENTS else "unknown"
    sources: list[dict[str, str]] = []
    for reply in result.replies:
        for src in reply.sources:
            item = {"title": src.title, "url": src.url}
            if item not in sources:
                sources.append(item)
    return json.dumps(
        {
            "question": question,
            "intent": intent,
            "topic": result.topic if intent == "framework_question" else None,
            "confidence": result.confidence,
            "text": "\n\n".join(r.text for r in result.replies),
            "sources": sources,
        },
        ensure_ascii=False,
    )


def as_text(result: TurnResult) -> str:
    """Plain rendering, as in the console."""
    from adapters.console import render

    return "\n\n".join(render(r) for r in result.replies)


async def answer_lines(router: Router, lines: Iterable[str], out: TextIO, json_mode: bool,
                       chart: Path | None = None) -> int:
    """Answer each line independently (its own thread, so no follow-up leaks between lines); with ``chart``, charts
    are drawn and written there (``PATH``, then ``PATH-2.png`` …) and their paths printed."""
    run = uuid.uuid4().hex[:8]
    count = 0
    for n, raw in enumerate(lines):
        question = raw.rstrip("\r\n")
        key = ConversationKey("console", "local", "ask", f"{run}-{n}", "you")  # the local operator
        msg = IncomingMessage(key, question, event_id=f"ask-{run}-{n}", is_direct=True, images=chart is not None)
        result = await router.handle(msg)
        saved = _save_charts(result, chart, count)
        if json_mode:
            line = as_json(question, result)
            if saved:  # an added field; the contract's fields are unchanged
                line = line[:-1] + ", " + json.dumps({"charts": saved})[1:]
        else:
            line = as_text(result) + "".join(f"\nchart saved to {p}" for p in saved)
        out.write(line + "\n")
        count += 1
    out.flush()
    return count


def _save_charts(result: TurnResult, chart: Path | None, start: int) -> list[str]:
    """Write the replies' charts under ``chart``; their paths."""
    if chart is None:
        return []
    from bot.costs.chart_files import save

    images = [r.image for r in result.replies if r.image is not None]
    return [str(save(img, chart, start + i)) for i, img in enumerate(images)]


def _stdin_lines() -> Iterable[str]:
    """stdin decoded leniently: binary garbage becomes replacement characters, never a crash."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    yield from stream


def run_ask(settings: Settings, words: list[str], *, json_mode: bool, demo: bool, chart: Path | None = None) -> int:
    """Entry for the CLI: the question from arguments, or every stdin line."""
    bot = build_bot(settings, demo=demo, inline_db=True)
    lines: Iterable[str] = [" ".join(words)] if words else _stdin_lines()
    asyncio.run(answer_lines(bot.router, lines, sys.stdout, json_mode, chart))
    bot.services.db.dispose()
    return 0
