"""Reply → Block Kit: snapshots of each reply shape, and Slack's limits for any content (never rejected)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack_modal import modal_view
from adapters.slack_render import escape, mrkdwn, render, selected_blocks, split_text
from bot.models import Choice, Field, Image, Reply
from intents.nudge import compose_form
from knowledge.source import Source

SNAPSHOTS = Path(__file__).parent / "snapshots" / "slack"
LONG = "\n\n".join(f"Paragraph {n}: " + "cost allocation & showback <tags> " * 12 for n in range(30))

SHAPES = {
    "text": Reply("Hello *team* & <friends>: spend is up 3% > plan."),
    "choices": Reply("Start the assessment?", title="Maturity assessment",
                     choices=(Choice("Yes, start", "start assessment", "primary"), Choice("Not now", "cancel"),
                              Choice("Weird", "x", "fancy"))),
    "fields": Reply("Budget status for payments", title="payments: November",
                    fields=(Field("Actual", "$12,400"), Field("Budget", "$15,000"), Field("Forecast", "$16,100 ⚠"),
                            Field("Trend", "+8% vs October"))),
    "image": Reply("Daily spend", image=Image(b"\x89PNG", alt="Spend per day <last 30>", filename="x.png")),
    "sources": Reply("The Inform phase is about **visibility**; see [the framework](https://www.finops.org/framework/).",
                     sources=(Source("FinOps Framework: Phases", "https://www.finops.org/framework/phases/"),
                              Source("FOCUS <spec> & co", "https://focus.finops.org/")),
                     footer="FinOps Framework 2025 edition"),
    "long_text": Reply(LONG, title="A very long answer " + "x" * 200),
    "many_buttons": Reply("Pick a team", choices=tuple(Choice(f"Team {n} " + "y" * 80, f"team {n}")
                                                       for n in range(30))),
    "form": compose_form({"audience": "payments"}, "I don't know a team called “paymnts”."),
}


def _doc(reply: Reply) -> list[dict]:
    return [{"text": m.text, "blocks": list(m.blocks)} for m in render(reply)]


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_block_kit_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.json"
    got = _doc(SHAPES[name])
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert path.exists(), f"missing snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review the diff"
    assert got == json.loads(path.read_text())


def test_modal_snapshot() -> None:
    path = SNAPSHOTS / "modal.json"
    reply = compose_form({"audience": "payments", "message": "Tag <everything> & more", "when": "friday 9:00"},
                         "I couldn't read “fri 25:00” as a time.")
    assert reply.form is not None
    got = modal_view(reply, reply.form, "C1", "1700000000.000100")
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text())


def test_user_content_is_escaped_but_our_markdown_is_converted() -> None:
    assert escape("a & <b> >") == "a &amp; &lt;b&gt; &gt;"
    assert mrkdwn("**x** <@U1> [t](https://e.x/a)") == "*x* &lt;@U1&gt; <https://e.x/a|t>"
    assert mrkdwn("# Title\n[bad](javascript:alert(1))") == "*Title*\n[bad](javascript:alert(1))"


def test_split_never_breaks_an_escape() -> None:
    text = "&amp;" * 1000
    chunks = split_text(text, 3000)
    assert "".join(chunks) == text and all(len(c) <= 3000 and c.endswith(";") for c in chunks)


def test_clicked_message_loses_its_buttons() -> None:
    blocks = [dict(b) for b in render(SHAPES["choices"])[0].blocks]
    after = selected_blocks(blocks, "Yes, <start>")
    assert [b["type"] for b in after] == ["header", "section", "context"]
    assert after[-1]["elements"][0]["text"] == ":white_check_mark: Yes, &lt;start&gt;"  # nobody's name in it
    assert selected_blocks(after, "again") == after  # no buttons left: unchanged


def _check_limits(reply: Reply) -> None:
    messages = render(reply)
    assert messages and all(m.text.strip() for m in messages)
    for m in messages:
        assert 0 < len(m.blocks) <= 50
        for b in m.blocks:
            if b["type"] == "section":
                assert "fields" in b or len(b["text"]["text"].strip()) > 0
                assert len(b.get("text", {}).get("text", "")) <= 3000 and len(b.get("fields", [])) <= 10
                assert all(len(f["text"]) <= 2000 for f in b.get("fields", []))
            if b["type"] == "actions":
                assert len(b["elements"]) <= 25
                assert all(len(e["text"]["text"].strip()) > 0 and len(e["text"]["text"]) <= 75 for e in b["elements"])
                assert all(0 < len(e.get("value", "x")) <= 2000 for e in b["elements"])
                ids = [e["action_id"] for e in b["elements"]]
                assert len(set(ids)) == len(ids)
            if b["type"] == "context":
                assert 0 < len(b["elements"]) <= 10 and all(e["text"].strip() for e in b["elements"])
            if b["type"] == "header":
                assert len(b["text"]["text"].strip()) > 0 and len(b["text"]["text"]) <= 150
        block_ids = [b["block_id"] for b in m.blocks if "block_id" in b]
        assert len(set(block_ids)) == len(block_ids)


def test_huge_reply_is_split_within_limits() -> None:
    reply = Reply("word " * 40_000, title="t" * 500, choices=tuple(Choice("c" * 100, "v" * 3000) for _ in range(80)),
                  fields=tuple(Field(f"f{n}", "z" * 2500) for n in range(35)),
                  sources=tuple(Source(f"s{n}", f"https://e.x/{n}") for n in range(15)), footer="f" * 4000)
    _check_limits(reply)
    assert len(render(reply)) > 1
    assert render(reply)[0].text.startswith("t" * 100)


def test_blank_content_still_renders_something_slack_accepts() -> None:
    _check_limits(Reply("  ", title=" ", choices=(Choice(" ", ""),), footer=" "))


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=9000), labels=st.lists(st.text(max_size=120), max_size=40),
       title=st.one_of(st.none(), st.text(max_size=300)))
def test_any_content_stays_within_limits(text: str, labels: list[str], title: str | None) -> None:
    reply = Reply(text, title=title, choices=tuple(Choice(lb, lb) for lb in labels))
    _check_limits(reply)
    raw = json.dumps([list(m.blocks) for m in render(reply)])
    assert "<script" not in raw
