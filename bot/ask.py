"""``finops-bot ask``: one answer per question, in one process, optionally as JSON lines."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import uuid
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from bot.app import build_bot
from bot.config import Settings
from bot.db import utcnow
from bot.models import ConversationKey, IncomingMessage, TurnResult
from bot.router import Router
from bot.understanding.types import Entities

# The intents the JSON contract knows (DESIGN.md); anything else is reported as "unknown", except cost questions,
# which are the contract's budget_status family (the product owner's cost intent). ``handled_by`` names the intent.
CONTRACT_INTENTS = {"framework_question", "budget_status", "maturity_status", "start_assessment", "help", "unknown"}
CONTRACT_ALIASES = {"cost_question": "budget_status"}


def entities_json(entities: Entities) -> dict[str, object]:
    """The entities that were found, as JSON values (periods as ISO dates)."""
    out: dict[str, object] = {}
    for name, value in asdict(entities).items():
        if value in (None, False, (), []):
            continue
        out[name] = json.loads(json.dumps(value, default=str))
    return out


def as_json(question: str, result: TurnResult, entities: Entities | None = None) -> str:
    """One JSON line in the ``ask --json`` contract (plus ``entities``)."""
    intent = CONTRACT_ALIASES.get(result.intent, result.intent if result.intent in CONTRACT_INTENTS else "unknown")
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
            "entities": entities_json(entities or Entities()),
            "handled_by": result.intent,
        },
        ensure_ascii=False,
    )


def as_text(result: TurnResult) -> str:
    """Plain rendering, as in the console."""
    from adapters.console import render

    return "\n\n".join(render(r) for r in result.replies)


def explain(router: Router, msg: IncomingMessage, k: int = 5) -> str:
    """The top ``k`` readings of a question with their scores, the calibrated confidence and the entities."""
    u = router.understanding
    parse = u.parse(msg.text, router.context(msg, utcnow()))
    lines = [f"question: {msg.text}", f"dispatched reading: {parse.intent}"
             + (f" / {parse.topic}" if parse.topic else "") + f" (confidence {parse.confidence:.3f})"]
    rank = getattr(u, "rank", None)
    for n, scored in enumerate(rank(msg.text, k) if rank else (), 1):
        lines.append(f"  {n}. {scored.label:<60} score {scored.score:.4f}")
    lines.append("entities: " + json.dumps(entities_json(parse.entities), ensure_ascii=False))
    return "\n".join(lines)


async def answer_lines(router: Router, lines: Iterable[str], out: TextIO, json_mode: bool,
                       chart: Path | None = None, *, explain_mode: bool = False) -> int:
    """Answer each line independently (its own thread, so no follow-up leaks between lines); with ``chart``, charts
    are drawn and written there (``PATH``, then ``PATH-2.png`` …) and their paths printed."""
    run = uuid.uuid4().hex[:8]
    count = 0
    for n, raw in enumerate(lines):
        question = raw.rstrip("\r\n")
        key = ConversationKey("console", "local", "ask", f"{run}-{n}", "you")  # the local operator
        msg = IncomingMessage(key, question, event_id=f"ask-{run}-{n}", is_direct=True, images=chart is not None)
        if explain_mode:
            if router.vocabulary.stale:
                await router.services.db.run_short(router.vocabulary.reload)
            out.write(explain(router, msg) + "\n")
            count += 1
            continue
        result = await router.handle(msg)
        saved = _save_charts(result, chart, count)
        if json_mode:
            parse = router.understanding.parse(question, router.context(msg, utcnow()))
            line = as_json(question, result, parse.entities)
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


def run_ask(settings: Settings, words: list[str], *, json_mode: bool, demo: bool, explain_mode: bool = False,
            chart: Path | None = None) -> int:
    """Entry for the CLI: the question from arguments, or every stdin line."""
    bot = build_bot(settings, demo=demo, inline_db=True)
    lines: Iterable[str] = [" ".join(words)] if words else _stdin_lines()
    asyncio.run(answer_lines(bot.router, lines, sys.stdout, json_mode, chart, explain_mode=explain_mode))
    bot.services.db.dispose()
    return 0
