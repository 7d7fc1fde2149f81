"""Text to features: one normal form, stemmed word n-grams, character n-grams, optional static embeddings."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import Stemmer
from scipy import sparse

_MENTION = re.compile(r"<@[^>]+>")
_CHANNEL = re.compile(r"<#[^>]+>")
_URL = re.compile(r"https?://\S+")
_SLASH = re.compile(r"^\s*/finops\b", re.IGNORECASE)  # the slash command's name is not part of what was asked
_NUMBER = re.compile(r"(?<![a-z])\d[\d,._]*(?:k|m)?\b")
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = Stemmer.Stemmer("english")


def normal(text: str) -> str:
    """Lower-case, accents folded, mentions/channels/links/numbers replaced by placeholders, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _SLASH.sub("", _URL.sub(" zurl ", _CHANNEL.sub(" zchannel ", _MENTION.sub(" zperson ", text)))).lower()
    text = _NUMBER.sub(" znum ", text.replace("'", ""))
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def stems(text: str) -> list[str]:
    """Snowball stems of the words of an already normal text."""
    return [_stem(w) for w in _WORD.findall(text)]


def _word_analyzer(text: str) -> list[str]:
    words = stems(text)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


_WHITE = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, min_n: int = 2, max_n: int = 5) -> list[str]:
    """Character n-grams within words padded with a space: exactly scikit-learn's ``analyzer="char_wb"`` on
    lower-cased text (so a fitted model answers without importing scikit-learn; tests compare the two)."""
    text = _WHITE.sub(" ", text.lower())
    grams: list[str] = []
    for w in text.split():
        w = f" {w} "
        for n in range(min_n, max_n + 1):
            offset = 0
            grams.append(w[offset:offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


class Encoder(Protocol):
    """Turns normal texts into one feature row each."""

    def fit(self, texts: list[str]) -> Encoder: ...
    def transform(self, texts: list[str]) -> sparse.csr_matrix: ...


class TfidfEncoder:
    """Stemmed word uni+bigrams and character 2–5-grams within words, TF-IDF weighted, side by side."""

    def __init__(self, char: bool = True, word: bool = True) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # training only: serving needs no scikit-learn

        self.parts: list[Any] = []
        self._analyzers: list[Callable[[str], list[str]]] = []
        if word:
            self.parts.append(TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, dtype=np.float32))
            self._analyzers.append(_word_analyzer)
        if char:
            self.parts.append(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                              dtype=np.float32))
            self._analyzers.append(functools.partial(char_wb_ngrams, min_n=2, max_n=5))

    def fit(self, texts: list[str]) -> TfidfEncoder:
        for part in self.parts:
            part.fit(texts)
        self._fast = [(analyze, p.vocabulary_, p.idf_.astype(np.float32))
                      for analyze, p in zip(self._analyzers, self.parts, strict=True)]
        self._offsets = np.cumsum([0, *(len(p.vocabulary_) for p in self.parts)])
        return self

    def __getstate__(self) -> dict[str, Any]:
        """What a fitted encoder keeps: vocabularies, IDF weights and our analyzers, not scikit-learn objects (a
        cached model then loads without importing scikit-learn: 0.7 s and 70 MB less at start-up)."""
        return {k: v for k, v in self.__dict__.items() if k != "parts"}

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        if len(texts) == 1:  # serving: one question, computed directly
            return self.transform_one(texts[0])
        if "parts" not in self.__dict__:  # loaded from the cache: no scikit-learn objects kept
            return sparse.vstack([self.transform_one(t) for t in texts], format="csr")
        blocks = [part.transform(texts) for part in self.parts]
        return sparse.hstack(blocks, format="csr") / np.sqrt(len(blocks))

    def transform_one(self, text: str) -> sparse.csr_matrix:
        """The same row as ``transform([text])``, computed directly."""
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for (analyze, vocab, idf), offset in zip(self._fast, self._offsets, strict=False):
            counts: dict[int, int] = {}
            for gram in analyze(text):
                j = vocab.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
            v = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * idf[idx]
            cols.append(idx + offset)
            vals.append(v / np.linalg.norm(v))
        width = int(self._offsets[-1])
        if not cols:
            return sparse.csr_matrix((1, width), dtype=np.float32)
        col, val = np.concatenate(cols), np.concatenate(vals) / np.sqrt(len(self._fast))
        return sparse.csr_matrix((val, col, np.array([0, len(col)])), shape=(1, width))


class EmbeddingEncoder:
    """WordLlama's 256-d static embeddings (weights ship inside the wordllama wheel; loaded with downloads off)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight
        self.model = load_wordllama()

    def fit(self, texts: list[str]) -> EmbeddingEncoder:
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        vectors = np.asarray(self.model.embed(texts, norm=True), dtype=np.float32)
        return sparse.csr_matrix(vectors * self.weight)


class StackEncoder:
    """Several encoders' rows side by side (the hybrid)."""

    def __init__(self, *parts: Encoder) -> None:
        self.parts = parts

    def fit(self, texts: list[str]) -> StackEncoder:
        for part in self.parts:
            part.fit(texts)
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.hstack([p.transform(texts) for p in self.parts], format="csr")


@lru_cache(maxsize=1)
def load_wordllama() -> object:
    """The wheel's own model files; ``disable_download`` so nothing is ever fetched at run time."""
    from pathlib import Path

    import wordllama

    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
