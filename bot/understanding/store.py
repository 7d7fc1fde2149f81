"""Train once, reuse: the trained model is kept per process and in a cache file keyed by its training data."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

from bot.understanding.parse import DEFAULT_MODEL, Understanding, load_calibration, training_examples
from bot.understanding.training import INTENT_DIR, TOPIC_DIR, Example

log = logging.getLogger(__name__)
CACHE = Path(__file__).with_name("data") / "cache"
VERSION = "3"  # bump when features or models change shape, so old cache files are not read


def signature(examples: Sequence[Example], model: str) -> str:
    """A hash of the model name, the code version and every example (text, label)."""
    h = hashlib.sha256(f"{VERSION}|{model}".encode())
    for e in examples:
        h.update(f"\n{e.label}\t{e.text}".encode())
    return h.hexdigest()[:20]


def examples_for(intents: Collection[str], knowledge: object | None) -> tuple[Example, ...]:
    """``training_examples`` for these intents and this knowledge base's articles, built once per process: every
    bot a process builds (the tests build hundreds) would otherwise fill the command frames again (0.1 s each).
    A knowledge base is immutable and is a new object when its files change, and the key includes every training
    file's modification time, so a kept list is never stale."""
    files = tuple((str(p), p.stat().st_mtime_ns) for d in (INTENT_DIR, TOPIC_DIR) for p in sorted(d.rglob("*.yaml")))
    return _examples(frozenset(intents), knowledge, files)


@lru_cache(maxsize=8)
def _examples(intents: frozenset[str], knowledge: object | None, _files: object) -> tuple[Example, ...]:
    articles = knowledge.articles.values() if knowledge is not None else ()  # type: ignore[attr-defined]
    return tuple(training_examples(intents, articles))


def load_or_train(examples: Sequence[Example], model: str = DEFAULT_MODEL, cache: Path = CACHE) -> Understanding:
    """The model for these examples: from this process, from the cache file, or trained (and cached) now; with
    the calibration file as it is now (it is refitted separately)."""
    understanding = _cached(tuple(examples), model, cache)
    understanding.calibrate(load_calibration(model))
    return understanding


@lru_cache(maxsize=4)
def _cached(examples: tuple[Example, ...], model: str, cache: Path) -> Understanding:
    path = cache / f"understanding-{model}-{signature(examples, model)}.pkl"
    if path.exists():
        try:
            with path.open("rb") as f:
                loaded = pickle.load(f)
            if isinstance(loaded, Understanding):
                return loaded
        except Exception:  # a truncated or incompatible file is rebuilt, never fatal
            log.warning("understanding cache %s unreadable; retraining", path.name)
    trained = Understanding.train(examples, model)
    _write(path, trained)
    return trained


def _write(path: Path, model: Understanding) -> None:
    """Write atomically; a read-only install just trains at each start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"understanding-{model.model}-*.pkl"):
            if old.stem.rsplit("-", 1)[0] == f"understanding-{model.model}":  # not "tfidf-svm-unweighted-…"
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("understanding cache not written (%s); the model is trained at each start", exc.strerror)
