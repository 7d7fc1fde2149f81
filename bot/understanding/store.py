"""Train once, reuse: the trained model is kept per process and in a cache file keyed by a digest of its inputs."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from bot.understanding.parse import DEFAULT_MODEL, Understanding, load_calibration, training_examples
from bot.understanding.training import INTENT_DIR, TOPIC_DIR, Example

log = logging.getLogger(__name__)
CACHE = Path(__file__).with_name("data") / "cache"
CODE = (Path(__file__).parent, Path(__file__).parents[2] / "knowledge")  # what turns data into examples
VERSION = "3"  # bump when features or models change shape, so old cache files are not read


def examples_for(intents: Collection[str], knowledge: object | None) -> tuple[Example, ...]:
    """``training_examples`` for these intents and this knowledge base's articles, built once per process: every
    bot a process builds (the tests build hundreds) would otherwise fill the command frames again (0.1 s each).
    A knowledge base is immutable and is a new object when its files change, and the key includes every training
    and example-making file's modification time, so a kept list is never stale."""
    return _examples(frozenset(intents), knowledge, _files())


@lru_cache(maxsize=8)
def _examples(intents: frozenset[str], knowledge: object | None, _files: object) -> tuple[Example, ...]:
    articles = knowledge.articles.values() if knowledge is not None else ()  # type: ignore[attr-defined]
    return tuple(training_examples(intents, articles))


def load_or_train_for(intents: Collection[str], knowledge: object | None, model: str = DEFAULT_MODEL,
                      cache: Path = CACHE) -> Understanding:
    """The model for these intents and this knowledge base (what ``build_bot`` uses): from this process, from the
    cache file, or trained on ``examples_for`` now. The cache file is found by a digest of the *inputs* (intent
    names, every training file, the articles, and the code that turns them into examples), so a start with a
    valid cache builds no examples at all (0.3 s of a 2 s start)."""
    key = inputs_signature(frozenset(intents), knowledge, model, _files())
    understanding = _cached_by_inputs(key, frozenset(intents), knowledge, model, cache)
    understanding.calibrate(load_calibration(model))
    return understanding


def _files() -> tuple[tuple[str, int], ...]:
    """(path, mtime) of every training file and of the code that makes examples (the signature's cheap key)."""
    files = [p for d in (INTENT_DIR, TOPIC_DIR) for p in sorted(d.rglob("*.yaml"))]
    files += sorted(CODE[0].glob("*.py")) + sorted(CODE[1].glob("*.py"))
    return tuple((str(p), p.stat().st_mtime_ns) for p in files)


@lru_cache(maxsize=8)
def inputs_signature(intents: frozenset[str], knowledge: object | None, model: str,
                     files: tuple[tuple[str, int], ...]) -> str:
    """A digest of everything the examples are made from: the code version, the model, the intents, the bytes of
    each training and code file, and each article's content."""
    h = hashlib.sha256(f"{VERSION}|{model}|{sorted(intents)}".encode())
    for name, _mtime in files:
        h.update(name.rsplit("/", 2)[-1].encode() + Path(name).read_bytes())
    articles = knowledge.articles.values() if knowledge is not None else ()  # type: ignore[attr-defined]
    for a in sorted(articles, key=lambda a: a.id):
        h.update(repr((a.id, a.kind, a.title, a.aliases, a.related, a.summary, a.sections, a.choose)).encode())
    return "i" + h.hexdigest()[:19]


@lru_cache(maxsize=4)
def _cached_by_inputs(key: str, intents: frozenset[str], knowledge: object | None, model: str,
                      cache: Path) -> Understanding:
    path = cache / f"understanding-{model}-{key}.pkl"
    loaded = _read(path)
    if loaded is not None:
        return loaded
    trained = Understanding.train(examples_for(intents, knowledge), model)
    _write(path, trained)
    return trained


def _read(path: Path) -> Understanding | None:
    """A cached model, or None when there is none (a truncated or incompatible file is rebuilt, never fatal)."""
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            loaded = pickle.load(f)
        if isinstance(loaded, Understanding):
            return loaded
    except Exception:
        log.warning("understanding cache %s unreadable; retraining", path.name)
    return None


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
