"""The classifiers compared in ``bench/understanding.py``: one label space, scores per label for one text."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.understanding.features import EmbeddingEncoder, Encoder, StackEncoder, TfidfEncoder, normal
from bot.understanding.training import FQ, Example


def l2(x: sparse.spmatrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (zero rows stay zero), as scikit-learn's ``normalize`` does."""
    x = sparse.csr_matrix(x)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ x)


@dataclass(frozen=True)
class Calibration:
    """P(top label is right) = sigmoid(a·top + b·margin + c), fitted on cross-validated predictions."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    threshold: float = 0.5  # below this calibrated confidence the router answers with suggestions instead

    def __call__(self, top: float, margin: float) -> float:
        z = self.a * top + self.b * margin + self.c
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class Classifier:
    """Fit on examples; ``scores`` gives one score per label (higher is likelier), ``labels`` names them."""

    labels: tuple[str, ...]

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder

    def fit(self, examples: Sequence[Example]) -> Classifier:
        texts = [normal(e.text) for e in examples]
        self.labels = tuple(sorted({e.label for e in examples}))
        index = {label: i for i, label in enumerate(self.labels)}
        y = np.array([index[e.label] for e in examples])
        self._fit(self.encoder.fit(texts).transform(texts), y)
        return self

    def scores(self, text: str) -> np.ndarray:
        """Scores for one text, aligned with ``labels``; probabilities for the linear model."""
        return self._scores(self.encoder.transform([normal(text)]))[0]

    def _fit(self, x: sparse.csr_matrix, y: np.ndarray) -> None:
        raise NotImplementedError

    def _scores(self, x: sparse.csr_matrix) -> np.ndarray:
        raise NotImplementedError


class LinearClassifier(Classifier):
    """Multinomial logistic regression (probabilities over all labels)."""

    def __init__(self, encoder: Encoder, c: float = 20.0) -> None:
        super().__init__(encoder)
        self.c = c

    def _fit(self, x: sparse.csr_matrix, y: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression  # training only

        model = LogisticRegression(C=self.c, max_iter=300, tol=1e-3)
        model.fit(x, y)
        self.coef = np.asarray(model.coef_, dtype=np.float32).T.copy()  # features × labels, for one fast product
        self.bias = np.asarray(model.intercept_, dtype=np.float32)
        self._present = model.classes_

    def _scores(self, x: sparse.csr_matrix) -> np.ndarray:
        if x.shape[0] == 1:  # one question: gather the rows of its features (a few hundred) instead of a matmul
            z = (np.asarray(x.data, dtype=np.float32) @ self.coef[x.indices] + self.bias)[None, :]
        else:
            z = np.asarray(x @ self.coef) + self.bias
        z = np.exp(z - z.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        out = np.zeros((x.shape[0], len(self.labels)), dtype=np.float32)
        out[:, self._present] = p
        return out


class MarginClassifier(LinearClassifier):
    """A linear SVM (one-vs-rest, liblinear: fast to train); its margins go through a softmax like the LR's."""

    def __init__(self, encoder: Encoder, c: float = 1.0, temperature: float = 4.0, balanced: bool = True) -> None:
        super().__init__(encoder, c)
        self.temperature, self.balanced = temperature, balanced

    def _fit(self, x: sparse.csr_matrix, y: np.ndarray) -> None:
        from sklearn.svm import LinearSVC

        # "unknown" has many examples and each topic a few: balanced weights keep topics from being drowned
        model = LinearSVC(C=self.c, class_weight="balanced" if self.balanced else None)
        model.fit(x, y)
        self.coef = np.asarray(model.coef_, dtype=np.float32).T.copy() * self.temperature
        self.bias = np.asarray(model.intercept_, dtype=np.float32) * self.temperature
        self._present = model.classes_


class CentroidClassifier(Classifier):
    """Cosine to each label's mean example (Rocchio); scales to many labels, trains in one pass."""

    def _fit(self, x: sparse.csr_matrix, y: np.ndarray) -> None:
        onehot = sparse.csr_matrix((np.ones(len(y), dtype=np.float32), (y, np.arange(len(y)))),
                                   shape=(len(self.labels), len(y)))
        self.centroids = l2(onehot @ l2(x)).T.tocsr()  # features × labels

    def _scores(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray((l2(x) @ self.centroids).todense())


class NearestExampleClassifier(Classifier):
    """Each label scored by its most similar example (cosine)."""

    def _fit(self, x: sparse.csr_matrix, y: np.ndarray) -> None:
        self.examples, self.y = l2(x).T.tocsr(), y

    def _scores(self, x: sparse.csr_matrix) -> np.ndarray:
        sims = np.asarray((l2(x) @ self.examples).todense())
        out = np.full((x.shape[0], len(self.labels)), -1.0, dtype=np.float32)
        for row in range(x.shape[0]):
            np.maximum.at(out[row], self.y, sims[row])
        return out


class TwoHeadClassifier(Classifier):
    """P(intent) from a linear head over intents (framework questions as one), times P(topic | framework question)
    from a topic head; the topic head can be the centroid model, which keeps 10,000 topics cheap."""

    def __init__(self, intent_head: Classifier, topic_head: Classifier, temperature: float = 25.0) -> None:
        super().__init__(intent_head.encoder)
        self.intent_head, self.topic_head, self.temperature = intent_head, topic_head, temperature

    def fit(self, examples: Sequence[Example]) -> TwoHeadClassifier:
        self.intent_head.fit([Example(e.text, e.intent, e.style) for e in examples])
        self.topic_head.fit([e for e in examples if e.topic is not None])
        self.labels = (*self.intent_head.labels, *self.topic_head.labels)
        self._fq = self.intent_head.labels.index(FQ) if FQ in self.intent_head.labels else None
        return self

    def scores(self, text: str) -> np.ndarray:
        intents = self.intent_head.scores(text).copy()
        topics = self.topic_head.scores(text)
        if not isinstance(self.topic_head, LinearClassifier):  # cosines → a distribution
            z = np.exp((topics - topics.max()) * self.temperature)
            topics = z / z.sum()
        p_fq = intents[self._fq] if self._fq is not None else 0.0
        if self._fq is not None:
            intents[self._fq] = 0.0  # the framework-question mass is spread over the topics
        return np.concatenate([intents, topics * p_fq]).astype(np.float32)


MODELS: dict[str, Callable[[], Classifier]] = {
    "tfidf-lr": lambda: LinearClassifier(TfidfEncoder()),
    "tfidf-svm": lambda: MarginClassifier(TfidfEncoder()),
    "tfidf-svm-unweighted": lambda: MarginClassifier(TfidfEncoder(), c=0.5, balanced=False),
    "hybrid-svm": lambda: MarginClassifier(StackEncoder(TfidfEncoder(), EmbeddingEncoder(0.7))),
    "tfidf-centroid": lambda: CentroidClassifier(TfidfEncoder()),
    "wordllama-knn": lambda: NearestExampleClassifier(EmbeddingEncoder()),
    "wordllama-lr": lambda: LinearClassifier(EmbeddingEncoder(), c=50.0),
    "hybrid-lr": lambda: LinearClassifier(StackEncoder(TfidfEncoder(), EmbeddingEncoder(0.7))),
    "twohead-svm+centroid": lambda: TwoHeadClassifier(MarginClassifier(TfidfEncoder()),
                                                      CentroidClassifier(TfidfEncoder())),
    "twohead-lr+centroid": lambda: TwoHeadClassifier(LinearClassifier(TfidfEncoder()),
                                                     CentroidClassifier(TfidfEncoder())),
    "twohead-hybrid": lambda: TwoHeadClassifier(LinearClassifier(StackEncoder(TfidfEncoder(), EmbeddingEncoder(0.7))),
                                                CentroidClassifier(StackEncoder(TfidfEncoder(), EmbeddingEncoder()))),
}
