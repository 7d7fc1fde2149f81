"""Charts a person can see in the terminal: ``ask --chart PATH`` and ``chat`` write PNGs and print their paths."""

from __future__ import annotations

import io
import json
from pathlib import Path

from adapters.console import render
from bot.app import build_bot
from bot.ask import answer_lines
from bot.config import Settings


async def test_ask_writes_the_chart_and_prints_its_path(demo_settings: Settings, tmp_path: Path) -> None:
    b = build_bot(demo_settings, demo=True)
    out = io.StringIO()
    target = tmp_path / "c" / "budget.png"
    await answer_lines(b.router, ["budget status for payments", "budget status for checkout"], out, False, target)
    text = out.getvalue()
    second = tmp_path / "c" / "budget-2.png"
    assert f"chart saved to {target}" in text and f"chart saved to {second}" in text
    assert target.read_bytes()[:4] == b"\x89PNG" and second.read_bytes()[:4] == b"\x89PNG"
    out = io.StringIO()
    await answer_lines(b.router, ["budget status for payments"], out, True, tmp_path / "j.png")
    line = json.loads(out.getvalue())
    assert line["charts"] == [str(tmp_path / "j.png")] and line["intent"] == "budget_status"
    out = io.StringIO()
    await answer_lines(b.router, ["budget status for payments"], out, True)
    assert "charts" not in json.loads(out.getvalue())  # no --chart: the contract's fields only, no drawing
    b.services.db.dispose()


async def test_console_render_saves_the_png(demo_settings: Settings) -> None:
    b = build_bot(demo_settings, demo=True)
    reply = b.services.budgets.status_reply("payments")  # type: ignore[union-attr]
    assert reply is not None and reply.image is not None
    shown = render(reply, charts=True)
    path = Path(shown.split("saved to ")[1].split("\n")[0])
    assert path.read_bytes() == reply.image.png and "last month for comparison" in shown
    assert "saved to" not in render(reply)
    b.services.db.dispose()
