"""Training examples as data: ``intents/training/<intent>.yaml`` and ``knowledge/training/<kind>.yaml``, plus command
frames (``intents/training/templates.yaml``) filled with the knowledge articles' own phrases."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
INTENT_DIR, TOPIC_DIR = ROOT / "intents" / "training", ROOT / "knowledge" / "training"
TEMPLATES = INTENT_DIR / "templates.yaml"
STYLES = ("plain", "shorthand", "typo", "situation", "role", "rambling", "non_native")
SYNTHETIC = "synthetic"  # composed from templates.yaml: always trained, never a test case
FQ, UNKNOWN = "framework_question", "unknown"


@dataclass(frozen=True)
class Example:
    """One training utterance: its label (an intent, ``framework_question/<topic>`` or ``unknown``) and style."""

    text: str
    label: str
    style: str = "plain"
    source: str = ""  # the file it came from

    @property
    def intent(self) -> str:
        """The intent part of the label."""
        return FQ if self.label.startswith(FQ + "/") else self.label

    @property
    def topic(self) -> str | None:
        """The knowledge topic of a framework question, else None."""
        return self.label.split("/", 1)[1] if self.label.startswith(FQ + "/") else None


def topic_label(topic: str) -> str:
    """The label of a knowledge topic in the one label space."""
    return f"{FQ}/{topic}"


def _items(raw: object, label: str, source: str) -> Iterable[Example]:
    for item in raw if isinstance(raw, list) else ():
        text, style = (item.get("text"), item.get("style", "plain")) if isinstance(item, dict) else (item, "plain")
        if isinstance(text, str) and text.strip():
            yield Example(" ".join(text.split()), label, str(style), source)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~10x faster on 3,500 examples


def _read(path: Path) -> object:
    """A training file's data, parsed once per process while the file is unchanged (every bot build reads them)."""
    stat = path.stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _parsed(path: str, _mtime_ns: int, _size: int) -> object:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER) or {}


def load_intent_examples(intents: Collection[str], root: Path = INTENT_DIR) -> list[Example]:
    """Examples of every registered intent (and ``unknown``); files of unregistered intents are skipped."""
    out: list[Example] = []
    for path in sorted(root.glob("*.yaml")):
        if path.name == TEMPLATES.name:  # command frames, not examples (template_examples)
            continue
        data = _read(path)
        name = str(data.get("intent") or path.stem)
        if name != UNKNOWN and name not in intents:
            log.info("training file %s: intent %s is not registered; skipped", path.name, name)
            continue
        out.extend(_items(data.get("examples"), name, path.name))
    return out


def load_topic_examples(topics: Collection[str], root: Path = TOPIC_DIR) -> list[Example]:
    """Examples of every knowledge topic that has an article; topics without one are skipped (logged once)."""
    out: list[Example] = []
    missing: list[str] = []
    for path in sorted(root.glob("*.yaml")):
        data = _read(path)
        for topic, items in (data.get("topics") or {}).items():
            if topic not in topics:
                missing.append(str(topic))
                continue
            out.extend(_items(items, topic_label(str(topic)), path.name))
    if missing:
        log.info("training examples for %d topics without an article skipped: %s", len(missing),
                 ", ".join(sorted(missing)[:10]))
    return out


def article_examples(articles: Iterable[object], body: bool = True) -> list[Example]:
    """Each article's title and aliases (style ``alias``) and, with ``body``, its summary and key points (style
    ``article``): every topic has examples even without a training file, and the article's own words for the
    situations it covers."""
    out: list[Example] = []
    for a in articles:
        label = topic_label(a.id)  # type: ignore[attr-defined]
        for text in (a.title, f"tell me about {a.title}", *a.aliases):  # type: ignore[attr-defined]
            out.append(Example(text, label, "alias", "article"))  # the second is what related-topic buttons send
        if body:
            for text in (a.summary, *(p.text for p in a.points)):  # type: ignore[attr-defined]
                out.append(Example(text[:300], label, "article", "article"))
    return out


_STEP = re.compile(r"^\d+\.\s+")
_CLAUSE_END = re.compile(r"[,;:()]| — | - |\.\s|\.$")
_QUESTION = re.compile(r"^(how|what|why|when|which|who|where|is|are|do|does|can|should)\b")


def payload_phrases(articles: Iterable[object]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """What a command's message can be about, in the articles' own words, each with the article it comes from (None
    when several share it): topics (titles and aliases, lower-cased, at most five words, questions left out) and
    actions (a point's first clause, three to nine words, when it starts with a verb that starts one of the
    articles' numbered steps: "rightsize over-provisioned resources")."""
    articles = list(articles)
    topics: dict[str, set[str]] = {}
    actions: dict[str, set[str]] = {}
    for a in articles:
        for text in (a.title, *a.aliases):  # type: ignore[attr-defined]
            t = " ".join(re.sub(r"\([^)]*\)", " ", text).lower().split())
            if t and len(t.split()) <= 5 and not _QUESTION.match(t):
                topics.setdefault(t, set()).add(a.id)  # type: ignore[attr-defined]
    points = [(a.id, p.text) for a in articles for p in a.points]  # type: ignore[attr-defined]
    verbs = {w for _, p in points if _STEP.match(p) and (w := _STEP.sub("", p).split()[0].lower()).isalpha()}
    for article, p in points:
        for sentence in re.split(r"(?<=[.;])\s+", _STEP.sub("", p)):
            words = _CLAUSE_END.split(sentence)[0].lower().split()
            if words and words[0] in verbs and 3 <= len(words) <= 9:
                actions.setdefault(" ".join(words), set()).add(article)

    def owner(found: dict[str, set[str]]) -> dict[str, str | None]:
        return {k: next(iter(v)) if len(v) == 1 else None for k, v in sorted(found.items())}
    return owner(topics), owner(actions)


def template_examples(intents: Collection[str], articles: Iterable[object], path: Path = TEMPLATES) -> list[Example]:
    """``per_frame`` examples of every frame of a registered intent, its slots filled from the audiences, the
    deadlines and the articles' phrases (``payload_phrases``); seeded, so the same data gives the same examples.
    Frames under ``framework_question`` (the same phrases asked about, not commanded) are labelled with the
    phrase's own article; phrases several articles share are left out there."""
    raw = _read(path) if path.exists() else {}
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    frames = data.get("frames") or {}
    if not frames:
        return []
    topics, actions = payload_phrases(articles)
    audiences, whens = list(data.get("audiences") or ["the team"]), list(data.get("when") or [""])
    per_frame, seed = int(data.get("per_frame", 8)), data.get("seed", 0)
    out: list[Example] = []
    seen: set[str] = set()
    for intent, texts in frames.items():
        question = intent == FQ
        if intent not in intents and not question:
            continue
        for i, frame in enumerate(texts or ()):
            rng = random.Random(f"{seed}|{intent}|{i}")
            found = actions if "{action}" in frame else topics
            pool = [k for k, article in found.items() if article or not question]
            for payload in rng.sample(pool, min(per_frame, len(pool))):
                text = frame.format(audience=rng.choice(audiences), when=rng.choice(whens), topic=payload,
                                    action=payload)
                label = topic_label(str(found[payload])) if question else str(intent)
                if text not in seen:
                    seen.add(text)
                    out.append(Example(" ".join(text.split()), label, SYNTHETIC, path.name))
    return out
