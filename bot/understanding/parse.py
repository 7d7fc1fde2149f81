"""``Understanding.parse(text, context) -> Parse``: the one reading of a message, from a model trained at start-up."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from bot.understanding.context import ParseContext
from bot.understanding.entities import read_entities
from bot.understanding.followup import followup_kind
from bot.understanding.model import MODELS, Calibration, Classifier
from bot.understanding.training import (
    FQ,
    INTENT_DIR,
    TEMPLATES,
    TOPIC_DIR,
    UNKNOWN,
    Example,
    article_examples,
    load_intent_examples,
    load_topic_examples,
    template_examples,
)
from bot.understanding.types import Alternative, Parse

_QUESTION_END = re.compile(r"[^?.!\n]*\?")  # each sentence that ends in a question mark
ALSO_SURE, MAX_ALSO = 0.6, 1  # a further question is answered too when read at least this surely; at most one

log = logging.getLogger(__name__)
CALIBRATION = Path(__file__).with_name("data") / "calibration.yaml"
DEFAULT_MODEL = "tfidf-svm-unweighted"
ALTERNATIVES = 5


@dataclass(frozen=True)
class Scored:
    """One label with its model score."""

    label: str
    score: float

    @property
    def intent(self) -> str:
        return FQ if self.label.startswith(FQ + "/") else self.label

    @property
    def topic(self) -> str | None:
        return self.label.split("/", 1)[1] if self.label.startswith(FQ + "/") else None


def load_calibration(model: str, path: Path = CALIBRATION) -> Calibration:
    """The fitted calibration of ``model`` (written by ``python -m bench.understanding --calibrate``), read again
    only when the file changed."""
    if not path.exists():
        return Calibration()
    return _calibration(model, path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _calibration(model: str, path: Path, _mtime: int) -> Calibration:
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(model)
    return Calibration(**data) if data else Calibration()


def training_examples(intents: Collection[str], articles: Iterable[object], intent_dir: Path = INTENT_DIR,
                      topic_dir: Path = TOPIC_DIR) -> list[Example]:
    """All examples for the intents this bot runs and the articles it has (titles and aliases included), plus the
    command frames of ``intent_dir/templates.yaml`` filled with the articles' phrases (style ``synthetic``)."""
    articles = list(articles)
    topics = {a.id for a in articles}  # type: ignore[attr-defined]
    return [*load_intent_examples(intents, intent_dir), *article_examples(articles),
            *load_topic_examples(topics, topic_dir),
            *template_examples(intents, articles, intent_dir / TEMPLATES.name)]


class Understanding:
    """A trained classifier plus the entity reader; ``parse`` is pure and takes well under a millisecond or two."""

    def __init__(self, classifier: Classifier, calibration: Calibration, model: str = DEFAULT_MODEL) -> None:
        self.classifier, self.model = classifier, model
        self.labels = classifier.labels
        self.calibrate(calibration)

    def calibrate(self, calibration: Calibration) -> None:
        """Use this confidence calibration and refusal threshold."""
        self.calibration, self.threshold = calibration, calibration.threshold

    @classmethod
    def train(cls, examples: Sequence[Example], model: str = DEFAULT_MODEL,
              calibration: Calibration | None = None) -> Understanding:
        """Fit ``model`` on the examples (the composition root calls this once at start-up)."""
        started = time.perf_counter()
        classifier = MODELS[model]().fit(examples)
        log.info("understanding trained model=%s examples=%d labels=%d in %.2fs", model, len(examples),
                 len(classifier.labels), time.perf_counter() - started)
        return cls(classifier, calibration or load_calibration(model), model)

    def rank(self, text: str, k: int = ALTERNATIVES + 1) -> list[Scored]:
        """The ``k`` likeliest labels, best first."""
        scores = self.classifier.scores(text)
        top = np.argsort(-scores)[:k]
        return [Scored(self.labels[i], float(scores[i])) for i in top]

    def confidence(self, ranked: Sequence[Scored]) -> float:
        """Calibrated P(the top label is right) from the top score and its margin over the runner-up."""
        if not ranked:
            return 0.0
        second = ranked[1].score if len(ranked) > 1 else 0.0
        return self.calibration(ranked[0].score, ranked[0].score - second)

    def parse(self, text: str, context: ParseContext | None = None) -> Parse:
        """Intent, topic, entities, calibrated confidence and the runner-up readings of one message."""
        ctx = context or ParseContext()
        entities = read_entities(text, ctx)
        if not text.strip():
            return Parse(UNKNOWN, 0.0, entities=entities)
        if (kind := followup_kind(text)) is not None:  # about the conversation's last topic, not a new question
            return Parse(FQ, 1.0, ctx.last_topic, entities, slots={"followup": kind})
        ranked = self.rank(text)
        best = ranked[0]
        alternatives = tuple(Alternative(s.intent, round(s.score, 4), s.topic) for s in ranked[1:])
        also = self._further_questions(text, best.topic) if best.intent == FQ else ()
        return Parse(best.intent, round(self.confidence(ranked), 4), best.topic, entities, alternatives, also=also)

    def _further_questions(self, text: str, topic: str | None) -> tuple[tuple[str, str], ...]:
        """Other knowledge topics asked about in the message's further question sentences (each read on its own;
        kept when it is confidently a framework question about another topic): at most ``MAX_ALSO``."""
        questions = [q.strip() for q in _QUESTION_END.findall(text) if len(q.split()) >= 2]
        if len(questions) < 2:
            return ()
        seen, out = {topic}, []
        for q in questions:
            ranked = self.rank(q)
            if ranked[0].intent == FQ and ranked[0].topic not in seen and self.confidence(ranked) >= ALSO_SURE:
                seen.add(ranked[0].topic)
                out.append((str(ranked[0].topic), q))
        return tuple(out[:MAX_ALSO])
