"""Teams rendering and parsing units: Adaptive Cards under the size limit, markdown, mentions, card values."""

from __future__ import annotations

import base64
import json

from botbuilder.schema import Activity

from adapters.teams_cards import MAX_CARD_BYTES, adaptive_cards, card_size, render_activities, teams_markdown
from adapters.teams_inbound import submitted_value, tenant_of, to_incoming, welcome_reply, without_bot_mention
from adapters.teams_policy import split_conversation_id
from bot.models import Choice, Field, Image, Reply
from intents.help import HelpIntent
from knowledge.source import Source


def test_plain_reply_is_markdown_text_only() -> None:
    [activity] = render_activities(Reply("line one\nline two\n\npara"))
    assert activity == {"type": "message", "text": "line one\n\nline two\n\npara", "textFormat": "markdown"}


def test_markdown_keeps_paragraphs() -> None:
    assert teams_markdown("a\nb\n\nc\n") == "a\n\nb\n\nc"


def test_rich_reply_has_text_and_one_card() -> None:
    reply = Reply("Payments spent $9,200.", title="Budget: payments", fields=(Field("Actual", "$9,200"),),
                  choices=(Choice("Details", "budget details", "primary"), Choice("Stop", "cancel", "danger")),
                  sources=(Source("FinOps Framework", "https://www.finops.org/framework/"),), footer="as of today")
    [activity] = render_activities(reply)
    assert activity["text"] == "Payments spent $9,200."
    [attachment] = activity["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    kinds = [e["type"] for e in card["body"]]
    assert kinds == ["TextBlock", "FactSet", "TextBlock", "TextBlock"]
    assert "[FinOps Framework](https://www.finops.org/framework/)" in card["body"][2]["text"]
    assert [a["style"] for a in card["actions"]] == ["positive", "destructive"]
    assert [a["data"]["value"] for a in card["actions"]] == ["budget details", "cancel"]
    assert json.loads(card["actions"][0]["data"]["msteams"]["value"]) == {"value": "budget details"}


def test_large_content_is_split_into_cards_under_the_limit_with_buttons_last() -> None:
    fields = tuple(Field(f"team-{i:03d}", "x" * 400) for i in range(300))
    reply = Reply("Every team.", title="All teams", fields=fields, choices=(Choice("More", "more"),))
    cards = adaptive_cards(reply)
    assert len(cards) > 3
    assert all(card_size(c) <= MAX_CARD_BYTES for c in cards)
    assert [bool(c.get("actions")) for c in cards] == [False] * (len(cards) - 1) + [True]
    facts = [f["title"] for c in cards for e in c["body"] if e["type"] == "FactSet" for f in e["facts"]]
    assert facts == [f.label for f in fields]  # nothing lost, order kept
    activities = render_activities(reply)
    assert activities[0]["text"] == "Every team." and len(activities) == len(cards)
    assert all(card_size(a) < 100 * 1024 for a in activities)


def test_many_buttons_go_in_rows_teams_shows_in_full() -> None:
    choices = tuple(Choice(str(n), f"assess:1:0:{n}") for n in range(5)) + tuple(
        Choice(w, f"assess:1:0:{w}") for w in ("skip", "back", "why?", "pause"))
    [card] = adaptive_cards(Reply("Question 1", choices=choices))
    assert "actions" not in card
    rows = [e["actions"] for e in card["body"] if e["type"] == "ActionSet"]
    assert [len(r) for r in rows] == [5, 4]
    assert [a["data"]["value"] for r in rows for a in r] == [c.value for c in choices]
    [few] = adaptive_cards(Reply("q", choices=choices[:6]))
    assert len(few["actions"]) == 6 and all(e["type"] != "ActionSet" for e in few["body"])


def test_one_huge_field_is_cut_not_dropped() -> None:
    [card] = adaptive_cards(Reply("t", fields=(Field("Notes", "y" * 100_000),)))
    assert card_size(card) <= MAX_CARD_BYTES and card["body"][0]["facts"][0]["value"].endswith("…")


def test_chart_is_an_inline_png_attachment() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 50_000
    activities = render_activities(Reply("Spend is flat.", title="Trend", image=Image(png, "Monthly spend chart")))
    assert len(activities) == 2  # the card with the text, then the picture
    image = activities[1]["attachments"][0]
    assert image["contentType"] == "image/png" and image["contentUrl"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["contentUrl"].split(",", 1)[1]) == png
    assert activities[1]["summary"] == "Monthly spend chart"
    only_image = render_activities(Reply("Chart:", image=Image(png, "alt")))
    assert len(only_image) == 1 and only_image[0]["attachments"][0]["contentType"] == "image/png"


def _activity(**kw: object) -> Activity:
    base = {"type": "message", "id": "1", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:1/",
            "from": {"id": "29:u", "name": "U"}, "recipient": {"id": "28:bot", "name": "FinOps"},
            "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "tenant-c"}}
    return Activity().deserialize({**base, **kw})


def test_only_the_bots_mention_is_removed() -> None:
    activity = _activity(
        text="<at>FinOps</at> what is FinOps? ask <at>Sam</at>",
        entities=[{"type": "mention", "text": "<at>FinOps</at>", "mentioned": {"id": "28:bot", "name": "FinOps"}},
                  {"type": "mention", "text": "<at>Sam</at>", "mentioned": {"id": "29:sam", "name": "Sam"}}])
    assert without_bot_mention(activity) == "what is FinOps? ask <@29:sam>"  # people become tokens


def test_mention_with_nbsp_and_no_entity_text() -> None:
    activity = _activity(text="<at>FinOps</at>\xa0budget status",
                         entities=[{"type": "mention", "mentioned": {"id": "28:bot", "name": "FinOps"}}])
    assert without_bot_mention(activity) == "budget status"


def test_formatted_messages_become_plain_text() -> None:
    activity = _activity(textFormat="xml",
                         text="<p><at>FinOps</at>&nbsp;budget status for <b>R&amp;D</b></p><p>thanks</p>",
                         entities=[{"type": "mention", "text": "<at>FinOps</at>",
                                    "mentioned": {"id": "28:bot", "name": "FinOps"}}])
    assert without_bot_mention(activity) == "budget status for R&D\nthanks"
    assert without_bot_mention(_activity(text="is cost < 100 > 50?")) == "is cost < 100 > 50?"


def test_conversation_ids_and_tenant() -> None:
    assert split_conversation_id("19:abc@thread.tacv2;messageid=1700") == ("19:abc@thread.tacv2", "1700")
    assert split_conversation_id("a:1personal") == ("a:1personal", "")
    assert tenant_of(_activity()) == "tenant-c"
    assert tenant_of(_activity(channelData={"tenant": {"id": "tenant-d"}})) == "tenant-d"


def test_submitted_value_shapes() -> None:
    assert submitted_value({"value": "3", "msteams": {"type": "messageBack"}}) == ("3", {})
    assert submitted_value({"msteams": {"type": "messageBack", "value": '{"value": "yes"}'}}) == ("yes", {})
    assert submitted_value({"value": "go", "team": "payments", "n": 2}) == ("go", {"team": "payments", "n": "2"})
    assert submitted_value(None) == (None, {})
    assert submitted_value({"other": "x"}) == (None, {"other": "x"})


def test_card_press_and_typing_become_the_same_text() -> None:
    typed = to_incoming(_activity(text="budget status"))
    pressed = to_incoming(_activity(id="2", text="", value={"value": "budget status"}, replyToId="card-1"))
    assert typed is not None and pressed is not None
    assert typed.text == pressed.text == "budget status"
    assert typed.action is None and pressed.action is not None and pressed.action.value == "budget status"
    assert typed.is_direct and typed.key.user_ref == "teams:29:u@tenant-c" and typed.key.tenant == "tenant-c"
    again = to_incoming(_activity(id="3", text="", value={"value": "budget status"}, replyToId="card-1"))
    assert again is not None and again.event_id == pressed.event_id  # a double click is one event
    later = to_incoming(_activity(id="4", text="", value={"value": "budget status"}, replyToId="card-1",
                                  timestamp="2026-11-23T12:10:00Z"))
    first = to_incoming(_activity(id="5", text="", value={"value": "budget status"}, replyToId="card-1",
                                  timestamp="2026-11-23T12:00:01Z"))
    assert later is not None and first is not None and later.event_id != first.event_id  # pressed again later
    assert to_incoming(_activity(text="   ")) is None


def test_welcome_card_offers_examples_and_help() -> None:
    reply = welcome_reply((HelpIntent(),))
    assert reply.title and "help" in reply.text.lower()
    assert reply.choices[-1] == Choice("Help", "help")
