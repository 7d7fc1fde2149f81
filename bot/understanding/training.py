"""Training examples as data: ``intents/training/<intent>.yaml`` and ``knowledge/training/<kind>.yaml``."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
INTENT_DIR, TOPIC_DIR = ROOT / "intents" / "training", ROOT / "knowledge" / "training"
STYLES = ("plain", "shorthand", "typo", "situation", "role", "rambling", "non_native")
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
