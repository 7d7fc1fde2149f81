"""The knowledge base: validated articles plus their search index (built once at start-up)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from knowledge.article import Article
from knowledge.loader import CATALOG, CONTENT, KnowledgeError, Topic, load_articles, load_catalog
from knowledge.search import GENERIC, THRESHOLD, WEAK, Doc, Hit, Index, Result
from knowledge.sequences import AFTER, HOW_MANY, KIND_PREFIX, OVERVIEWS, WHICH, by_position, neighbour
from knowledge.text import content_words, light, stem

log = logging.getLogger(__name__)
ORDERED_CONFIDENCE = 0.9  # "what comes after Inform?" is answered by the sequence, not by word overlap
__all__ = ["Article", "KnowledgeBase", "KnowledgeError"]


class KnowledgeBase:
    """Articles by id, and ``search(text)`` over them."""

    def __init__(self, articles: Sequence[Article], catalog: Mapping[str, Topic] | None = None,
                 threshold: float = THRESHOLD) -> None:
        self._articles = {a.id: a for a in articles}
        self.articles: Mapping[str, Article] = MappingProxyType(self._articles)
        catalog = catalog or {}
        self.index = Index([_doc(a, catalog.get(a.id)) for a in articles], threshold)

    @classmethod
    def load(cls, root: Path = CONTENT, *, strict: bool = True, catalog_path: Path | None = None) -> KnowledgeBase:
        """Load and validate every article (``strict``: one per catalog topic); raises KnowledgeError.

        The result is immutable, so it is reused while no file under ``root`` (or the catalog) changed.
        """
        catalog = catalog_path or CATALOG
        signature = (*_tree(str(root), ".md"), *_tree(str(catalog), ""))
        return _load(cls, root, strict, catalog, signature)

    def get(self, topic_id: str) -> Article | None:
        """The article with this id, or None."""
        return self._articles.get(topic_id)

    def search(self, text: str, k: int = 3) -> Result:
        """Ranked article ids with a calibrated confidence; ``result.answered`` says whether to answer."""
        result = self.index.search(text, k)
        if result.refusal and result.refusal.startswith("off_topic"):
            return result
        target = self._ordered(light(text, joined=False))
        if target is None or target not in self._articles:
            return result
        hits = (Hit(target, 1.0), *(h for h in result.hits if h.id != target))[:k]
        return Result(hits, max(result.confidence, ORDERED_CONFIDENCE), None, result.features)

    def _ordered(self, said: str) -> str | None:
        """The topic named by its place in a sequence: "what comes after inform", "the highest maturity stage"."""
        if m := AFTER.match(said):
            inner = self.index.search(m["x"])
            back = m["dir"] in ("before", "preceding")
            return neighbour(inner.top, -1 if back else 1) if inner.answered else None
        if m := HOW_MANY.search(said):
            return OVERVIEWS[m["noun"]]
        if m := WHICH.match(said):  # "which domain covers budgets?" → the domain article that covers them
            inner = self.index.rank_within(m["rest"], KIND_PREFIX[m["noun"]])
            return inner.top if inner.hits else None
        return by_position(said)

    def names(self, text: str, topic_id: str) -> bool:
        """Whether ``text`` names the topic: a word of its title or aliases that is not a generic one ("cost")."""
        return self.named_share(text, topic_id) > 0

    def named_share(self, text: str, topic_id: str) -> float:
        """The share of the text's non-generic words that the topic's title or aliases carry (0 when none)."""
        if topic_id not in self.index.pos:
            return 0.0
        said = {stem(w) for w in content_words(light(text, joined=False))} - GENERIC - WEAK
        return len(said & self.index.names[self.index.pos[topic_id]]) / len(said) if said else 0.0

    def closest(self, text: str, k: int = 3) -> list[Article]:
        """Up to ``k`` nearest articles for suggestions (none for off-topic questions)."""
        result = self.index.search(text, k)
        if result.refusal and result.refusal.startswith("off_topic"):
            return []
        return [self._articles[h.id] for h in result.hits[:k]]

    def __len__(self) -> int:
        return len(self._articles)


def _tree(path: str, suffix: str) -> list[tuple[str, int]]:
    """(path, mtime) of every file ending in ``suffix`` under ``path`` (or of ``path`` itself when it is a file),
    sorted; ``os.scandir`` reads each directory once (``Path.rglob`` and ``stat`` took ~3 ms for 130 articles)."""
    try:
        entries = list(os.scandir(path))
    except NotADirectoryError:
        return [(path, os.stat(path).st_mtime_ns)]
    except FileNotFoundError:
        return []
    out: list[tuple[str, int]] = []
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.is_dir():
            out += _tree(entry.path, suffix)
        elif entry.name.endswith(suffix):
            out.append((entry.path, entry.stat().st_mtime_ns))
    return out


@lru_cache(maxsize=8)
def _load(cls: type[KnowledgeBase], root: Path, strict: bool, catalog_path: Path,
          signature: tuple[tuple[str, int], ...]) -> KnowledgeBase:
    started = time.perf_counter()
    catalog = load_catalog(catalog_path)
    kb = cls(load_articles(root, catalog, strict=strict), catalog)
    log.info("knowledge base loaded: %d articles in %.0f ms", len(kb), (time.perf_counter() - started) * 1000)
    return kb


def _doc(article: Article, topic: Topic | None) -> Doc:
    """What the index sees: the catalog's aliases are merged in, so renamed aliases still match."""
    aliases = tuple(dict.fromkeys((*article.aliases, *(topic.aliases if topic else ()))))
    return Doc(article.id, article.title, aliases, article.body)
