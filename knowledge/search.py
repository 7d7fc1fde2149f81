"""Pure, fast article ranking: a weighted term index (BM25F-like), alias phrase matching, typo correction,
and a calibrated confidence. No I/O: build an ``Index`` from ``Doc`` values, then call ``search``."""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.guard import classify
from knowledge.shapes import AUDIENCE, DEFINING, MENTIONED, NOT_WHO, PERSONA, PROCESS, ROLE_OF, ROLE_QUESTION, VERSUS
from knowledge.text import STOPWORDS, SYNONYMS, content_words, has_camel, light, stem, terms

THRESHOLD = 0.4  # answer at or above this confidence, otherwise say "I don't know" (tuned in bench/knowledge.py)
# logistic calibration of the confidence (fitted by ``python -m bench.knowledge --fit`` on tests/eval)
CALIBRATION = (-4.25, 3.9, 3.1, 0.0, 1.65, 0.9)  # bias; top score, margin to the runner-up, known-word coverage by the
# top article, share of the question's weight in known words, share of the known words in the top article's names
K1, B = 1.2, 0.5
FIELD_WEIGHTS = (3.0, 2.0, 1.0)  # title, aliases, body
CANDIDATES = 24
RAMBLING, SURE = 16, 0.9  # words from which a question rambles; the confidence its topic words alone need
LONG = 7  # content words from which a question counts as long and rambling
DAMPED = {"focus": 0.85}  # kinds that should win only when named ("focus", "column") or matched in full
RANK_WEIGHTS = (0.4, 0.3, 0.25, 0.15, 0.08)  # best title/alias phrase, name coverage, term score, body coverage, kind
# question words never seen in a title or alias count less; unknown and typo-corrected ones too (but still dilute)
BODY_ONLY, UNKNOWN, CORRECTED = 0.5, 0.7, 0.6
GENERIC = frozenset(stem(w) for w in ("finops", "cloud", "cost", "team", "data", "management", "practice",
                                       "business", "framework", "aws", "new", "azure", "gcp", "google", "amazon",
                                       "microsoft"))  # weak words in questions
# ordinary words that name a topic only next to their alias partner ("FinOps manager", "discovery questions")
WEAK = frozenset(stem(w) for w in ("manager", "managers", "question", "questions", "dev", "devs", "env", "envs",
                                   "environment", "environments", "member", "members", "people", "person", "step",
                                   "steps", "lead", "leads", "folks", "boss"))
KIND_WORDS = {kind: frozenset(stem(w) for w in words.split()) for kind, words in (
    ("persona", "persona allied core"), ("phase", "phase"), ("maturity", "stage"), ("assessment", "lens"),
    ("domain", "domain"), ("focus", "column"), ("scope", "scope"), ("capability", "capability"),
    ("principle", "principle"))}  # dropped from an article's own title and aliases ("Tags column" → "tags")
_KIND_HINTS = {stem(w): kind for kind, words in (
    ("persona", "persona personas role roles job involved stakeholder stakeholders"),
    ("phase", "phase phases lifecycle"), ("maturity", "stage stages level levels maturity"),
    ("assessment", "lens lenses assessment assessments"), ("domain", "domain domains"),
    ("focus", "focus column columns field fields specification"), ("scope", "scope scopes"),
    ("principle", "principle principles"),
    ("capability", "capability capabilities"))
    for w in words.split()}

_ROLE_WORDS = ("role roles job jobs responsibility responsibilities responsible involved involvement expected expect "
               "day finops cloud cost costs spend matter matters important should care relevant fit part contribute "
               "duties task tasks daily supposed doing own owning meeting meetings pulled dragged invited why "
               "honestly stuff data team teams")
_ROLE_GENERIC = frozenset(stem(w) for w in _ROLE_WORDS.split(" ")) | GENERIC


@dataclass(frozen=True)
class Doc:
    """What the index needs from an article."""

    id: str
    title: str
    aliases: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class Hit:
    """A ranked article id with its ranking score (not a probability)."""

    id: str
    score: float


@dataclass(frozen=True)
class Result:
    """Ranked hits, the calibrated confidence of the first, and why the question is refused (None = answer)."""

    hits: tuple[Hit, ...]
    confidence: float
    refusal: str | None = None  # "off_topic:<category>" | "low_confidence" | "empty"
    features: tuple[float, ...] = ()  # what the confidence was computed from (for calibration)

    @property
    def answered(self) -> bool:
        """True when the first hit should be given as the answer."""
        return self.refusal is None and bool(self.hits)

    @property
    def top(self) -> str | None:
        """The best article id, if any."""
        return self.hits[0].id if self.hits else None


@dataclass(slots=True)
class _Phrase:
    text: str  # content words joined, for fuzzy comparison
    stems: frozenset[str]
    title: bool = False
    dropped: bool = False  # a kind word ("column", "lens") was dropped from it
    mass: float = 1.0  # summed (weighted) idf of the stems, set once the index is built
    pairs: frozenset[str] = frozenset()  # adjacent stem pairs ("finop_manag") when it has ordinary (WEAK) words


class Index:
    """An in-memory index over articles; ``search`` is pure and takes well under a millisecond at 120 articles."""

    def __init__(self, docs: Sequence[Doc], threshold: float = THRESHOLD) -> None:
        self.ids = [d.id for d in docs]
        self.pos = {d: i for i, d in enumerate(self.ids)}
        self.persona_ids = [i for i, d in enumerate(self.ids) if d.startswith("persona/") and "overview" not in d]
        self.kinds = [d.id.split("/", 1)[0] for d in docs]
        self.threshold = threshold
        self._build(docs)

    def _build(self, docs: Sequence[Doc]) -> None:
        tfs: list[Counter[str]] = []
        self.phrases: list[tuple[_Phrase, ...]] = []
        self.exact: dict[str, list[int]] = {}
        self.names: list[frozenset[str]] = []
        vocab: set[str] = set(SYNONYMS)
        for i, doc in enumerate(docs):
            tf: Counter[str] = Counter()
            phrases = []
            for weight, texts in zip(FIELD_WEIGHTS, ((doc.title,), doc.aliases, (doc.body,)), strict=True):
                for text in texts:
                    words = content_words(light(text))
                    vocab.update(words)
                    for t in terms(words) if weight == 1 else set(terms(words)):
                        tf[t] += weight
                    if weight > 1:
                        phrases.extend(self._phrases(i, doc.id, text, weight == 3.0))
            tfs.append(tf)
            unique = {(p.text, p.stems): p for p in reversed(phrases)}  # the title wins over an equal alias
            self.phrases.append(tuple(unique.values()))
            self.names.append(frozenset().union(*(p.stems for p in phrases)))
        self._postings(tfs)
        for phrases in self.phrases:
            for p in phrases:
                p.mass = sum(self.idf.get(s, self.idf_max) * (0.35 if s in GENERIC else 1.0) for s in p.stems)
        self.doc_terms = [frozenset(tf) for tf in tfs]
        self.name_stems = frozenset().union(*self.names)
        self.vocab = frozenset(vocab)
        self.sorted_vocab = sorted(w for w in vocab if w.isalpha() and len(w) > 4)
        by_len: dict[int, list[str]] = {}
        for w in vocab:
            if w.isalpha() and len(w) >= 4:
                by_len.setdefault(len(w), []).append(w)
        self.by_len = by_len

    def _phrases(self, i: int, doc_id: str, text: str, title: bool) -> list[_Phrase]:
        """A title or alias as phrases: split words (kind words dropped unless an overview), and a CamelCase word."""
        out = []
        variants = [light(text, joined=False)] + ([text.lower()] if has_camel(text) and " " not in text else [])
        for variant in variants:
            words = content_words(variant)
            if not words:
                continue
            stems = frozenset(stem(w) for w in words)
            own = KIND_WORDS.get(doc_id.split("/", 1)[0], frozenset())
            core = stems - own if not doc_id.endswith("/overview") else stems
            pairs = frozenset(f"{stem(a)}_{stem(b)}" for a, b in itertools.pairwise(words)) if stems & WEAK else None
            out.append(_Phrase(" ".join(words), core or stems, title, bool(core) and core != stems,
                               pairs=pairs or frozenset()))
            self.exact.setdefault(" ".join(sorted(core or stems)), []).append(i)
        return out

    def _postings(self, tfs: list[Counter[str]]) -> None:
        """One flat posting array sorted by term (doc ids and BM25 tf weights), sliced per term at query time."""
        n = len(tfs)
        term_id: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, tf in enumerate(tfs):
            rows.extend([i] * len(tf))
            cols.extend(term_id.setdefault(t, len(term_id)) for t in tf)
            vals.extend(tf.values())
        d, t, f = np.array(rows, np.int32), np.array(cols, np.int32), np.array(vals, np.float64)
        lengths = np.bincount(d, weights=f, minlength=n) if n else np.ones(1)
        avg = float(lengths.mean()) if n else 1.0
        order = np.argsort(t, kind="stable")
        self._docs, t = d[order], t[order]
        f = f[order]
        self._weights = f * (K1 + 1) / (f + K1 * (1 - B + B * lengths[self._docs] / avg))
        df = np.bincount(t, minlength=len(term_id))
        self._offsets = np.concatenate(([0], np.cumsum(df))).tolist()
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.term_id = term_id
        self.idf = dict(zip(term_id, idf.tolist(), strict=True))
        self.idf_max = math.log(1 + (n + 0.5) / 0.5)
        self.n = n

    # --- querying ----------------------------------------------------------------------------------------
    def search(self, text: str, k: int = 3) -> Result:
        """Rank the articles for ``text``; off-topic and unclear questions come back refused."""
        said = light(text, joined=False)
        if not said:
            return Result((), 0.0, "empty")
        category = classify(said)
        if category is not None:
            return Result((), 0.0, f"off_topic:{category}")
        m = PERSONA.match(said)
        if m:
            rest = {stem(w) for w in content_words(m["rest"])}
            persona = self._rank(f"{m['who']} persona", k, only="persona/")
            if rest - _ROLE_GENERIC:  # "as a PO, what is showback?" is about showback, unless that is unclear
                first = self._rank(m["rest"], k)
                return first if first.answered or not persona.answered else persona
            return persona
        m = ROLE_QUESTION.match(said) or ROLE_OF.match(said)
        if (m and m["who"] not in NOT_WHO and not {stem(w) for w in content_words(m["rest"] or "")} - _ROLE_GENERIC
                and str(self._rank(m["who"], k).top).startswith("persona/")):  # not "what does the foundation do"
            persona = self._rank(f"{m['who']} persona", k, only="persona/")
            if persona.answered and str(persona.top).startswith("persona/"):
                return persona
        if (mentioned := AUDIENCE.sub(r"\1", MENTIONED.sub("my", said))) != said and content_words(mentioned):
            said = mentioned
        full = self._rank(said, k)
        exact = " ".join(sorted({stem(w) for w in content_words(said)})) in self.exact
        if (m := VERSUS.match(said)) and full.hits and not exact:
            first = self._rank(m["left"] or m["first"], k)
            left, ids = first.top, [h.id for h in full.hits]
            if first.answered and left in ids[1:3]:
                hits = tuple(sorted(full.hits, key=lambda h: h.id != left))
                return Result(hits, full.confidence, full.refusal, full.features)
        if full.answered and str(full.top).startswith("term/") and PROCESS.search(said) \
                and not DEFINING.search(said):  # "how do we run chargeback": the capability
            said_stems = {stem(w) for w in content_words(said)} - GENERIC
            named = said_stems & self.names[self.pos[full.hits[0].id]]
            for hit in full.hits[1:3]:  # the capability must carry the term's name too ("invoicing and chargeback")
                if hit.id.startswith("capability/") and named & self.names[self.pos[hit.id]]:
                    hits = (hit, *(h for h in full.hits if h is not hit))
                    return Result(hits, full.confidence, full.refusal, full.features)
        if full.answered and str(full.top).startswith("persona/") and self._several_personas(said):
            for hit in full.hits[1:3]:  # "why should finance and devs talk": about them both, not one persona
                if not hit.id.startswith("persona/") and hit.score >= 0.6 * full.hits[0].score:
                    return Result((hit, *(h for h in full.hits if h is not hit)), full.confidence, None, full.features)
        words = content_words(said)
        if (len(words) >= LONG or len(said.split()) >= RAMBLING) and full.hits:  # do its topic words alone agree?
            named = [w for w in words if stem(w) in self.name_stems]
            topical = " ".join([w for w in named if stem(w) not in GENERIC] or [w for w in named if w == "finops"])
            focused = self._rank(topical, k) if topical else None
            if focused and focused.top == full.top and focused.confidence > full.confidence and full.features[2] >= 0.3:
                conf = (full.confidence + focused.confidence) / 2
                return Result(full.hits, conf, None if conf >= self.threshold else "low_confidence", full.features)
            if focused and not full.answered and focused.confidence >= SURE:  # chatter drowned a clear topic
                return Result(focused.hits, focused.confidence * 0.8, None, focused.features)
        return full

    def _several_personas(self, said: str) -> bool:
        """Whether the question names two personas by different words ("finance and devs", not just "owner")."""
        said_stems = {stem(w) for w in content_words(said)} - GENERIC - WEAK
        named = {frozenset(said_stems & self.names[i]) for i in self.persona_ids} - {frozenset()}
        named = {n for n in named if not any(n < other for other in named)}
        return len(named) >= 2 and not frozenset.intersection(*named)

    def _words(self, said: str) -> tuple[list[str], set[str]]:
        """Content words with typos corrected against the vocabulary, and the set of corrected words."""
        out, fixed_words = [], set()
        for w in content_words(said):
            if any(c.isdigit() for c in w) and stem(w) not in self.idf:
                continue  # "finops 101", "40 aws accounts", "q3": a number or code that names nothing
            if w in self.vocab or not w.isalpha() or len(w) < 4:
                out.append(w)
                continue
            if stem(w) in self.idf:  # a new form of a known word, unless a long typo stems onto another word
                near = self._correct(w) if len(w) >= 9 else None
                out.append(near if near and stem(near) != stem(w) else w)
                continue
            fixed = self._correct(w)
            fixed = fixed or (self._complete(w) if len(w) <= 5 else None)
            if fixed:
                fixed_words.add(fixed)
            out.append(fixed or w)
        return out, fixed_words

    def _complete(self, word: str) -> str | None:
        """A truncated word ("econ", "optim", "amort") completed to the commonest vocabulary word it starts."""
        start = bisect.bisect_left(self.sorted_vocab, word)
        found = []
        for candidate in itertools.islice(self.sorted_vocab, start, start + 50):
            if not candidate.startswith(word):
                break
            found.append(candidate)
        return min(found, key=lambda w: self.idf.get(stem(w), 99.0)) if found else None

    def _correct(self, word: str) -> str | None:
        """The closest vocabulary word with the same first letter within 1 edit (2 for long words), or None."""
        limit = 1 if len(word) < 7 else 2
        pool = [w for n in range(len(word) - limit, len(word) + limit + 1) for w in self.by_len.get(n, ())]
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        same_start = [f for f in found if f[0][0] == word[0]]  # typos rarely change the first letter
        if len(word) == 4:  # short words: only swapped letters ("wlak"), or "rome" would become "role"
            same_start = [f for f in same_start if sorted(f[0]) == sorted(word)]
        if not same_start:
            return None
        return min(same_start, key=lambda f: (f[1], self.idf.get(stem(f[0]), 99.0)))[0]  # then the commonest

    def rank_within(self, text: str, prefix: str, k: int = 3) -> Result:
        """Rank only the articles whose id starts with ``prefix`` (their overview excluded)."""
        return self._rank(light(text, joined=False), k, only=prefix)

    def _weight(self, term: str) -> float:
        """How much a question word counts: topic-naming words fully, words only seen in bodies or unknown less."""
        if term in GENERIC or term in WEAK:
            return 0.35
        if term in self.name_stems or "_" in term:
            return 1.0
        return BODY_ONLY if term in self.idf else UNKNOWN

    def _rank(self, said: str, k: int, only: str | None = None) -> Result:
        words, fixed = self._words(said)
        q_terms = list(dict.fromkeys(terms(words)))
        q_stems = list(dict.fromkeys(stem(w) for w in words))
        if not any(w.isalpha() for w in words):  # "2+2?", "1234"
            return Result((), 0.0, "empty")
        q_w = {s: self.idf.get(s, self.idf_max) * self._weight(s) for s in q_stems}
        for w in fixed:
            q_w[stem(w)] = q_w.get(stem(w), 0.0) * CORRECTED
        q_mass = sum(q_w.values())
        scores = np.zeros(self.n)
        for t in q_terms:
            if (tid := self.term_id.get(t)) is not None:
                lo, hi = self._offsets[tid], self._offsets[tid + 1]
                scores[self._docs[lo:hi]] += self._weights[lo:hi] * (self.idf[t] * self._weight(t))
        bm25 = scores / (q_mass * (K1 + 1))
        cands = set(self.exact.get(" ".join(sorted(set(q_stems))), ()))
        top = np.argpartition(-scores, min(CANDIDATES, self.n - 1))[:CANDIDATES] if self.n > 1 else np.arange(self.n)
        cands.update(int(i) for i in top if scores[i] > 0)
        hints = {_KIND_HINTS[s] for s in q_stems if s in _KIND_HINTS}
        vague = all(s in _KIND_HINTS or s in GENERIC for s in q_stems)  # "how does an assessment work"
        joined = " ".join(words)
        pairs = frozenset(t for t in q_terms if "_" in t)
        scored = [(self._score(i, float(bm25[i]), q_w, q_mass, joined, hints, pairs)
                   + (0.1 if vague and self.kinds[i] in hints and self.ids[i].endswith("/overview") else 0.0), i)
                  for i in cands]
        ranked = sorted(scored, reverse=True)
        if only:  # e.g. "as an accountant, …": a person, so one of the persona articles (not their overview)
            ranked = [(sc, i) for sc, i in ranked if self.ids[i].startswith(only) and "overview" not in self.ids[i]]
        if not ranked:
            return Result((), 0.0, "low_confidence")
        hits = tuple(Hit(self.ids[i], round(s, 4)) for s, i in ranked[: max(k, 2)])
        top_i = ranked[0][1]
        known = sum(v for s, v in q_w.items() if s in self.idf)
        cover = sum(v for s, v in q_w.items() if s in self.doc_terms[top_i]) / (known or 1.0)
        margin = ranked[0][0] - (ranked[1][0] if len(ranked) > 1 else 0.0)
        named = sum(v for s, v in q_w.items() if s in self.names[top_i]) / (known or 1.0)
        features = (ranked[0][0], margin, cover, known / q_mass, named)
        conf = confidence(*features)
        return Result(hits[:k], conf, None if conf >= self.threshold else "low_confidence", features)

    def _score(self, i: int, bm25: float, q_w: dict[str, float], q_mass: float, joined: str,
               hints: set[str], pairs: frozenset[str] = frozenset()) -> float:
        """Ranking score: best title/alias phrase, name coverage, term score, body coverage, kind hint."""
        best, kind = 0.0, self.kinds[i]
        bonus = sum(v for s, v in q_w.items() if _KIND_HINTS.get(s) == kind)
        for p in self.phrases[i]:
            inter = p.stems & q_w.keys()
            if p.pairs and not p.pairs & pairs:  # "manager" alone does not name "FinOps manager"
                inter -= WEAK
            if not inter:
                continue
            hit = sum(q_w[s] for s in inter)
            extra = sum(q_w[s] for s in inter if _KIND_HINTS.get(s) == kind)
            cov_p, cov_q = min(1.0, hit / p.mass), min(1.0, (hit - extra + bonus) / q_mass)
            s = cov_p * cov_p * (0.3 + 0.7 * cov_q) * (1.0 if p.title else 0.97)
            if p.dropped and not bonus and kind != "persona":  # "Security allied persona": the team named
                s *= 0.8
            if s < 0.9 and len(joined) < 60:
                s = max(s, (fuzz.ratio(joined, p.text) / 100) ** 3)
            best = max(best, s)
        names = min(1.0, (sum(v for s, v in q_w.items() if s in self.names[i] and _KIND_HINTS.get(s) != kind)
                          + bonus) / q_mass)
        body = sum(v for s, v in q_w.items() if s in self.doc_terms[i]) / q_mass
        w_best, w_names, w_bm25, w_body, w_kind = RANK_WEIGHTS
        total = w_best * best + w_names * names + w_bm25 * min(1.0, bm25) + w_body * body + w_kind * (kind in hints)
        if kind in DAMPED and kind not in hints and names < 0.99:  # "cost center tag" is not about the Tags column
            total *= DAMPED[kind]
        return total


def confidence(top: float, margin: float, cover: float, known: float, named: float) -> float:
    """The probability that the top hit is right, from the logistic calibration."""
    b0, b1, b2, b3, b4, b5 = CALIBRATION
    z = b0 + b1 * top + b2 * margin + b3 * cover + b4 * known + b5 * named
    return 1.0 / (1.0 + math.exp(-z))


__all__ = ["STOPWORDS", "THRESHOLD", "Doc", "Hit", "Index", "Result", "confidence"]
