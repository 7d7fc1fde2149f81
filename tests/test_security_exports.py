"""Red-team item 6: CSV formula injection in survey and assessment exports (OWASP: prefix formula cells)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.assessment import cli as assessment_cli
from bot.db import utcnow
from bot.surveys.results import to_csv
from bot.surveys.spec import from_yaml

EVIL = ["=HYPERLINK(\"https://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+9)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "x\r=1+1", "＝1+1"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@pytest.mark.parametrize("payload", EVIL)
def test_survey_export_neutralises_formulas(bot, payload: str) -> None:
    s = bot.services
    doc = (f"title: {json.dumps(payload.strip())}\naudience: [slack:U0DEMO1@T0001]\n"
           "questions:\n  - text: Anything?\n    type: text\n")
    info = s.surveys.create(from_yaml(doc, utcnow(), s.settings.tz), "console:you@local")
    s.surveys.open(info.id, ["slack:U0DEMO1@T0001"], utcnow())
    assert s.surveys.record(info.id, "slack:U0DEMO1@T0001", 0, (), payload, utcnow()) == "finished"
    cells = _cells(to_csv(s.surveys.get(info.id), s.surveys.answers(info.id), 1))
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r", "＝")], cells
    assert any(c.endswith(payload.replace("\r", "\n")) for c in cells)  # kept, readable, but inert


def test_plain_numbers_and_text_are_left_alone(bot) -> None:
    from bot.export import safe_cell

    assert [safe_cell(v) for v in ("payments", "12.5", 3, -4.0, "")] == ["payments", "12.5", 3, -4.0, ""]


def test_assessment_export_neutralises_formulas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assessment_cli, "rows", lambda _a: [(1, "=cmd|' /C calc'!A0", "slack:U1@T0001", "", "@x", "1.0",
                                                           "Crawl", "+lens", 2)])
    cells = _cells(assessment_cli.to_csv([]))
    assert "'=cmd|' /C calc'!A0" in cells and "'@x" in cells and "'+lens" in cells
