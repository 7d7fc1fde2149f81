"""``framework_question``: answers FinOps Framework questions from the knowledge base, with sources, or refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.models import Choice, IncomingMessage, Reply
from bot.understanding.types import Parse
from intents.base import Outcome, TurnContext
from intents.kb_followup import measure_points, neighbour, sequence_overview, who_points
from knowledge.article import Article, Point

if TYPE_CHECKING:
    from bot.services import Services
    from knowledge.base import KnowledgeBase

LAST, SHOWN = "kb_last_topic", "kb_points_shown"
POINTS = 3
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
        """Answer the parsed topic, or follow up on the last one."""
        kb = self.kb
        if kb is None:
            return [Reply("The knowledge base is not loaded on this server.")]
        if "followup" in parse.slots:
            return self._followup(kb, str(parse.slots["followup"]), ctx, msg.text)
        article = kb.get(parse.topic or "")
        if article is None:
            ctx.outcome = Outcome("unknown", None, parse.confidence)
            return [self._refuse(kb, "unsure", tuple(a.topic for a in parse.alternatives if a.topic))]
        ctx.outcome = Outcome(self.name, article.id, parse.confidence)
        return [self._answer(kb, article, ctx)]

    def _answer(self, kb: KnowledgeBase, article: Article, ctx: TurnContext, start: int = 0,
                intro: str | None = None) -> Reply:
        points = article.points[start:start + POINTS]
        ctx.state.data[LAST], ctx.state.data[SHOWN] = article.id, start + len(points)
        lines = [intro or article.summary]
        lines += [f"• {p.render()}" for p in points]
        related = [a for r in article.related if (a := kb.get(r)) is not None]
        if related:
            lines.append("Related: " + ", ".join(a.title for a in related))
        choices = [Choice(a.title[:75], f"tell me about {a.title}") for a in related[:4]]
        if start + len(points) < len(article.points):
            choices.insert(0, Choice("Tell me more", "tell me more"))
        return Reply("\n".join(lines), title=article.title, choices=tuple(choices), sources=article.sources,
                     footer=f"Framework edition: {article.edition}" if article.edition else None)

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
                return [self._answer(kb, overview, ctx)]
            if other is None:
                return [self._related_only(kb, article, f"{article.title} has no {kind} step in a sequence.")]
            ctx.outcome = Outcome(self.name, other.id, 1.0)
            return [self._answer(kb, other, ctx)]
        if kind == "more":
            start = int(ctx.state.data.get(SHOWN, POINTS))
            if start >= len(article.points):
                return [self._answer(kb, article, ctx, intro=f"That's all I have on {article.title}. In short: "
                                     f"{article.summary}")]
            return [self._answer(kb, article, ctx, start, intro=f"More on {article.title}:")]
        if kind == "sources":
            return [self._points(article, f"{article.title} is based on:",
                                 [Point("", f"{s.title}: {s.url}") for s in article.sources])]
        picked = who_points(article) if kind == "who" else measure_points(article)
        if not picked:
            what = "who is responsible for" if kind == "who" else "how to measure"
            return [self._related_only(kb, article, f"The article on {article.title} doesn't say {what} it.")]
        intro = f"Who is involved in {article.title}:" if kind == "who" else f"Measuring {article.title}:"
        return [self._points(article, intro, picked)]

    def _related_only(self, kb: KnowledgeBase, article: Article, intro: str) -> Reply:
        """A short reply for a follow-up the article cannot answer, with its related topics as buttons."""
        related = [a for r in article.related if (a := kb.get(r)) is not None][:4]
        text = intro + (" Related topics: " + ", ".join(a.title for a in related) + "." if related else "")
        return Reply(text, choices=tuple(Choice(a.title[:75], f"tell me about {a.title}") for a in related))

    @staticmethod
    def _points(article: Article, intro: str, points: list[Point]) -> Reply:
        text = "\n".join([intro, *(f"• {p.render()}" for p in points)])
        return Reply(text, title=article.title, sources=article.sources,
                     footer=f"Framework edition: {article.edition}" if article.edition else None)
