"""``framework_question``: answers FinOps Framework questions from the knowledge base, with sources, or refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.intent import Outcome, TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.understanding.types import Parse
from intents.kb_answer import ASSUMED, answer_reply, list_home, other_side, points_reply, related_only
from intents.kb_followup import FOLLOWUP_SHAPES, followup_kind, neighbour, sequence_overview
from intents.kb_stage import stage_answer
from knowledge.article import Article, Point
from knowledge.asks import DEFINE, ask_of
from knowledge.compose import Composed, compose, continued

if TYPE_CHECKING:
    from bot.services import Services
    from knowledge.base import KnowledgeBase

LAST, SHOWN, SHAPE, OTHER = "kb_last_topic", "kb_shown", "kb_shape", "kb_other"
SIDES, CHOICE = "kb_sides", "kb_choice"
ALSO = "And your other question, {t}:"
UNSURE = 0.6  # below this confidence (and without the knowledge search agreeing) the topic is said to be a guess
MEANT = 3  # other topics offered then
STARTERS = ("framework/what-is-finops", "phase/overview", "maturity/overview")
REFUSALS = {
    "injection": "I can't change my instructions or show them. I answer questions about FinOps.",
    "secret": "I can't help with passwords, keys, tokens or other credentials, and I don't hold any. "
              "Please use your organisation's secrets manager or ask the platform team.",
    "personal": "I don't hold or share personal information about people.",
    "data": "I don't hold that data, so I can't answer it. I can explain FinOps concepts, and "
            "“budget status for <team>” shows a team's own spend where cost data is loaded.",
    "smalltalk": "That's outside what I know: I only answer questions about FinOps and cloud costs.",
}


class FrameworkQuestionIntent:
    """Finds the knowledge article for a question and answers briefly, citing its sources."""

    name = "framework_question"
    summary = "FinOps Framework questions"
    examples = ("what is the inform phase?", "who should care about unit economics?", "what is showback?",
                "what are savings plans?")

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def kb(self) -> KnowledgeBase | None:
        """The knowledge base, when this bot has one."""
        return getattr(self.services, "knowledge", None)

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Answer what was asked (who, a comparison, a list, steps …), follow up on the last topic, or refuse."""
        kb = self.kb
        if kb is None:
            return [Reply("The knowledge base is not loaded on this server.")]
        kind = parse.slots.get("followup") or (followup_kind(msg.text) if not parse.topic else None)
        if kind:
            return self._followup(kb, str(kind), ctx, msg.text)
        article = kb.get(parse.topic or "")
        if article is None:
            ctx.outcome = Outcome("unknown", None, parse.confidence)
            return [self._refuse(kb, "unsure", tuple(a.topic for a in parse.alternatives if a.topic))]
        if (stage := stage_answer(kb, article, parse, msg.text)) is not None:
            ctx.outcome = Outcome(self.name, article.id, parse.confidence)
            ctx.state.data.update({LAST: article.id, SHAPE: DEFINE, OTHER: None, SHOWN: 1, SIDES: ["", ""],
                                   CHOICE: False})
            return [stage]
        asked = msg.text
        for _topic, question in parse.also:  # the shape of the main question, not of the further ones
            asked = asked.replace(question, " ")
        ask = ask_of(asked)
        other = None
        if ask.shape == "compare":
            article, other = other_side(kb, article, ask.left, ask.right, ask.choice)
        elif ask.shape == "list":
            article = list_home(kb, article, msg.text)
        ctx.outcome = Outcome(self.name, article.id, parse.confidence)
        shape = ask.shape if ask.shape != "compare" or other is not None or article.choose else DEFINE
        meant = () if other is not None else self._meant(kb, article.id, parse, msg.text)
        main = self._answer(kb, article.id, ctx, shape, other.id if other else None,
                            ASSUMED.format(t=article.title) if meant else None, meant=meant,
                            sides=(ask.left, ask.right), choice=ask.choice)
        return [main, *self._also(kb, parse, {article.id, other.id if other else ""})]

    def _also(self, kb: KnowledgeBase, parse: Parse, answered: set[str]) -> list[Reply]:
        """A short answer to each further question of the message about another topic ("what is showback? and who
        owns it?"): its first part only ("tell me about …" gives the rest; "more" stays with the first answer)."""
        out = []
        for topic, question in parse.also:
            article = kb.get(topic)
            if article is None or topic in answered:
                continue
            ask = ask_of(question)
            shape = ask.shape if ask.shape not in ("compare", "list") else DEFINE
            done = _composed(kb, article, shape, None, ("", ""), False)
            out.append(answer_reply(kb, article, Composed(done.blocks[:done.shown], done.shown), None,
                                    ALSO.format(t=article.title)))
        return out

    def _meant(self, kb: KnowledgeBase, topic: str, parse: Parse, text: str) -> tuple[Article, ...]:
        """When the topic is a guess (low confidence, and the knowledge search does not agree), the other likely
        topics to offer as "Did you mean …"; empty when the topic is clear."""
        if parse.confidence >= UNSURE:
            return ()
        second = kb.search(text)
        if second.answered and second.top == topic:
            return ()
        ids = [h.id for h in second.hits[:2]] + [a.topic for a in parse.alternatives if a.topic]
        found = [a for i in dict.fromkeys(ids) if i != topic and (a := kb.get(i)) is not None]
        return tuple(found[:MEANT])

    def _answer(self, kb: KnowledgeBase, topic: str, ctx: TurnContext, shape: str = DEFINE,
                other: str | None = None, intro: str | None = None, meant: tuple[Article, ...] = (),
                sides: tuple[str, str] = ("", ""), choice: bool = False) -> Reply:
        """The composed answer; the conversation remembers topic, shape and how far it got, for "more"."""
        article, second = kb.get(topic), kb.get(other or "")
        assert article is not None
        done = _composed(kb, article, shape, second, sides, choice)
        ctx.state.data.update({LAST: article.id, SHAPE: shape, OTHER: second.id if second else None,
                               SHOWN: done.shown, SIDES: list(sides), CHOICE: choice})
        return answer_reply(kb, article, done, second, intro, meant)

    def _more(self, kb: KnowledgeBase, ctx: TurnContext) -> Reply:
        """The next part of the last answer."""
        data = ctx.state.data
        article, second = kb.get(str(data.get(LAST, ""))), kb.get(str(data.get(OTHER) or ""))
        assert article is not None
        sides = tuple(data.get(SIDES) or ("", ""))
        done = _composed(kb, article, str(data.get(SHAPE) or DEFINE), second, (str(sides[0]), str(sides[-1])),
                         bool(data.get(CHOICE)))
        done = Composed(done.blocks, min(int(data.get(SHOWN, done.shown)), len(done.blocks)))
        if not done.more:
            return answer_reply(kb, article, Composed((article.summary,), 1), None,
                                f"That's all I have on {article.title}. In short:")
        nxt = continued(done)
        data[SHOWN] = nxt.shown
        shown = Composed(nxt.blocks[done.shown:nxt.shown] + nxt.blocks[nxt.shown:], nxt.shown - done.shown)
        return answer_reply(kb, article, shown, second, f"More on {article.title}:")

    def _refuse(self, kb: KnowledgeBase, reason: str, hits: tuple[str, ...]) -> Reply:
        suggestions = [a for h in hits if (a := kb.get(h)) is not None][:3]
        if reason == "unsure":
            if not suggestions:
                return Reply("I don't know the answer to that.")
            text = "I don't know the answer to that for sure. The closest topics I have are:"
        else:
            text = REFUSALS.get(reason, REFUSALS["smalltalk"]) + " Here are some topics I can explain:"
            suggestions = [a for s in STARTERS if (a := kb.get(s)) is not None]
        if not suggestions:
            return Reply(text.rsplit(" Here", 1)[0])
        text += "\n" + "\n".join(f"• {a.title}" for a in suggestions)
        return Reply(text, choices=tuple(Choice(a.title[:75], f"tell me about {a.title}") for a in suggestions))

    def _followup(self, kb: KnowledgeBase, kind: str, ctx: TurnContext, text: str) -> list[Reply]:
        article = kb.get(str(ctx.state.data.get(LAST, "")))
        if article is None:
            ctx.outcome = Outcome("unknown", None, 0.0)
            starters = [a for s in STARTERS if (a := kb.get(s)) is not None]
            return [Reply("Which topic do you mean? Ask me a FinOps question first, for example:\n"
                          + "\n".join(f"• {a.title}" for a in starters),
                          choices=tuple(Choice(a.title[:75], f"tell me about {a.title}") for a in starters))]
        ctx.outcome = Outcome(self.name, article.id, 1.0)
        if kind in ("next", "previous"):
            other = kb.get(neighbour(article.id, 1 if kind == "next" else -1) or "")
            outside = neighbour(article.id, 1) is None and neighbour(article.id, -1) is None
            overview = kb.get(sequence_overview(text) or "") if other is None and outside else None
            if overview is not None:  # "what's the next phase?" after a topic that is not a phase
                ctx.outcome = Outcome(self.name, overview.id, 1.0)
                return [self._answer(kb, overview.id, ctx)]
            if other is None:
                return [related_only(kb, article, f"{article.title} has no {kind} step in a sequence.")]
            ctx.outcome = Outcome(self.name, other.id, 1.0)
            return [self._answer(kb, other.id, ctx)]
        if kind == "more":
            return [self._more(kb, ctx)]
        if kind == "sources":
            return [points_reply(article, f"{article.title} is based on:",
                                 [Point("", f"{s.title}: {s.url}") for s in article.sources])]
        return [self._answer(kb, article.id, ctx, FOLLOWUP_SHAPES.get(kind, DEFINE))]


def _composed(kb: KnowledgeBase, article: Article, shape: str, second: Article | None, sides: tuple[str, str],
              choice: bool) -> Composed:
    """The answer for this shape; a missing section may be answered from the article's related topics."""
    related = [a for r in article.related if (a := kb.get(r)) is not None]
    return compose(article, shape, second, related=related, sides=sides, choice=choice)
