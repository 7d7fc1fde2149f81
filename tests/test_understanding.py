"""Understanding: training files as data, the cache, the router's dispatch policy on parses, the --eval mode."""

from __future__ import annotations

import json
from pathlib import Path

from bench import understanding as bench
from bot.intent import TurnContext
from bot.models import Action, Reply
from bot.router import Router
from bot.understanding.context import ParseContext
from bot.understanding.training import SYNTHETIC, load_intent_examples, load_topic_examples, template_examples
from bot.understanding.types import Parse
from tests.conftest import message
from tests.understanding_helpers import understanding


def test_intent_files_of_unregistered_intents_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "budget_status.yaml").write_text(
        'intent: budget_status\nexamples:\n  - {text: "are we over budget", style: plain}\n  - "budget for payments"\n')
    (tmp_path / "cost_question.yaml").write_text('intent: cost_question\nexamples:\n  - {text: "EC2 spend"}\n')
    (tmp_path / "unknown.yaml").write_text('intent: unknown\nexamples:\n  - {text: "tell me a joke", style: plain}\n')
    found = load_intent_examples({"budget_status"}, tmp_path)
    assert [(e.label, e.style) for e in found] == [("budget_status", "plain"), ("budget_status", "plain"),
                                                     ("unknown", "plain")]
    assert [e.label for e in load_intent_examples({"budget_status", "cost_question"}, tmp_path)].count(
        "cost_question") == 1


def test_topics_without_an_article_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "capability.yaml").write_text(
        "kind: capability\ntopics:\n  capability/anomaly-management:\n"
        '    - {text: "surprise bill spike", style: situation}\n  capability/not-written-yet:\n'
        '    - {text: "something new", style: plain}\n')
    found = load_topic_examples({"capability/anomaly-management"}, tmp_path)
    assert [(e.intent, e.topic, e.style) for e in found] == [
        ("framework_question", "capability/anomaly-management", "situation")]


def test_command_frames_are_filled_with_article_phrases_deterministically(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from knowledge.article import Point

    article = SimpleNamespace(id="term/rightsizing", title="Rightsizing", aliases=(
        "right-sizing", "what is rightsizing"), points=(
        Point("", "1. Rightsize over-provisioned resources, starting with the largest."),
        Point("", "Rightsize idle dev clusters first; then buy commitments.")))
    path = tmp_path / "templates.yaml"
    path.write_text('seed: 1\nper_frame: 5\naudiences: [search]\nframes:\n'
                    '  nudge: ["remind {audience} to {action}{when}", "nudge {audience} about {topic}"]\n'
                    '  not_registered: ["ping {audience}: {topic}"]\n'
                    '  framework_question: ["remind me what {topic} is"]\n')
    (tmp_path / "nudge.yaml").write_text('intent: nudge\nexamples:\n  - {text: "list my nudges"}\n')
    found = template_examples({"nudge"}, [article], path)
    assert {(e.text, e.label) for e in found} == {
        ("remind search to rightsize over-provisioned resources", "nudge"),
        ("remind search to rightsize idle dev clusters first", "nudge"),
        ("nudge search about rightsizing", "nudge"), ("nudge search about right-sizing", "nudge"),
        ("remind me what rightsizing is", "framework_question/term/rightsizing"),  # the phrase's own article
        ("remind me what right-sizing is", "framework_question/term/rightsizing")}
    assert {e.style for e in found} == {SYNTHETIC}
    assert template_examples({"nudge"}, [article], path) == found  # seeded
    assert [e.text for e in load_intent_examples({"nudge"}, tmp_path)] == ["list my nudges"]  # frames are no intent
    assert SYNTHETIC in bench.ALWAYS_TRAINED  # trained in every fold, never a test case


def test_parse_reads_intent_topic_entities_and_alternatives() -> None:
    u = understanding()
    parse = u.parse("budget status for payments last month", ParseContext(teams={"payments": ()}))
    assert parse.intent == "budget_status" and parse.topic is None and 0.0 <= parse.confidence <= 1.0
    assert parse.entities.team == "payments" and parse.entities.period is not None
    assert len(parse.alternatives) == 5 and all(a.intent for a in parse.alternatives)
    fq = u.parse("what is the inform phase")
    assert (fq.intent, fq.topic) == ("framework_question", "phase/inform")
    follow = u.parse("tell me more", ParseContext(last_topic="phase/inform"))
    assert (follow.intent, follow.topic, follow.slots["followup"]) == ("framework_question", "phase/inform", "more")


class _Fixed:
    """A parser that always reads the same thing (the router's policy is tested without the model)."""

    def __init__(self, parse: Parse) -> None:
        self.fixed = parse

    def parse(self, text: str, context: ParseContext | None = None) -> Parse:
        return self.fixed


class _Flow:
    name, interrupted_by = "flow", frozenset({"budget_status"})

    async def handle(self, msg, parse: Parse, ctx: TurnContext) -> list[Reply]:
        ctx.state.start(self.name, "one", {})
        return [Reply("flow started")]

    async def continue_flow(self, msg, parse: Parse, ctx: TurnContext) -> list[Reply] | None:
        return [Reply("flow step")]


async def test_a_flow_gives_way_only_to_a_confident_intent_it_allows(bot) -> None:
    flow = _Flow()
    intents = (*bot.router.intents, flow)
    start = Router(intents, bot.services, bot.router.fallback, _Fixed(Parse("flow", 1.0)))
    assert (await start.handle(message("go"))).replies[0].text == "flow started"
    unsure = Router(intents, bot.services, bot.router.fallback, _Fixed(Parse("budget_status", 0.6)))
    assert (await unsure.handle(message("maybe budget"))).replies[0].text == "flow step"
    sure = Router(intents, bot.services, bot.router.fallback, _Fixed(Parse("budget_status", 0.97)))
    assert (await sure.handle(message("budget status for payments"))).intent == "budget_status"
    other = Router(intents, bot.services, bot.router.fallback, _Fixed(Parse("maturity_status", 0.99)))
    assert (await other.handle(message("what's our maturity"))).replies[0].text == "flow step"  # not allowed


async def test_presses_are_routed_by_id_and_value_not_by_the_model(bot) -> None:
    router = Router(bot.router.intents, bot.services, bot.router.fallback, _Fixed(Parse("unknown", 0.99)))
    form = message("set budget")
    from dataclasses import replace

    pressed = replace(form, action=Action("set budget", "set budget", {"team": "", "amount": ""}))
    assert (await router.handle(pressed)).intent == "budget_set"
    assert router.owner_of_press(message("assess:12:0:3")).name == "start_assessment"
    assert router.owner_of_press(message("survey:3:0:1")).name == "survey_answer"
    assert router.owner_of_press(message("assess our team")) is None


async def test_an_unsure_parse_gets_suggestions_and_a_way_to_rephrase(bot) -> None:
    from bot.understanding.types import Alternative

    unsure = Parse("framework_question", 0.2, "phase/inform",
                   alternatives=(Alternative("framework_question", 0.1, "phase/optimize"),
                                 Alternative("budget_status", 0.05)))
    router = Router(bot.router.intents, bot.services, bot.router.fallback, _Fixed(unsure))
    result = await router.handle(message("something vague"))
    reply = result.replies[0]
    assert result.intent == "unknown" and "rephrase" in reply.text
    assert [c.value for c in reply.choices][:2] == ["tell me about Inform phase", "tell me about Optimize phase"]


def test_eval_mode_scores_a_held_out_file(tmp_path: Path, capsys) -> None:
    lines = [{"question": "what is the inform phase", "intent": "framework_question", "topic": "phase/inform",
              "style": "plain"},
             {"question": "what's the weather in paris", "intent": "unknown", "topic": None, "style": "plain"},
             {"question": "budget status for payments", "intent": "budget_status", "topic": None, "style": "plain"}]
    path = tmp_path / "blind.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert bench.main(["--eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "| all | 3 |" in out and "| style plain | 3 |" in out


def test_a_cached_model_answers_without_importing_scikit_learn(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """scikit-learn trains the model; serving reads the fitted weights only (0.7 s and 70 MB less at start-up)."""
    import subprocess
    import sys

    code = ("import sys; from bot.app import build_bot; from bot.config import Settings; "
            f"b = build_bot(Settings.from_env({{'DATABASE_URL': 'sqlite:///{tmp_path}/u.db'}}), demo=False); "
            "from bot.understanding.context import ParseContext; "
            "p = b.router.understanding.parse('what did payments spend last month?', ParseContext()); "
            "print(p.intent, any(m.split('.')[0] in ('sklearn', 'pandas') for m in sys.modules))")
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)  # trains
    assert warm.returncode == 0, warm.stderr
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert cold.returncode == 0, cold.stderr
    assert cold.stdout.split() == ["cost_question", "False"], cold.stdout


def test_our_char_ngrams_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bot.understanding.features import char_wb_ngrams

    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in ("what did we spend on ec2", "  Héllo\tWORLD  a  bb ", "", "x", "k8s vs serverless?", "a\n\n b"):
        assert char_wb_ngrams(text) == theirs(text), text
