"""Training and evaluating the event text classifier: the model variants, train(), evaluate().

Character n-gram TF-IDF and a linear model with probabilities, as Amsterdam's Signalen does. Chinese has no
spaces, so character n-grams stand in for words and tolerate typos, dialect spellings and emoji. The variants
below were compared on one stratified held-out split (docs/classifier.md); DEFAULT_VARIANT is the best.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from yimen.common.errors import ValidationFailed

from .corpus import corpus_samples, normalize
from .taxonomy import taxonomy_load

log = logging.getLogger(__name__)

# Amsterdam Signalen's rule: a top probability below this sends the event to manual triage.
TRIAGE_THRESHOLD = 0.4
SEED = 4406
TEST_SIZE = 0.2
CALIBRATION_FOLDS = 3


def _tfidf(ngrams: tuple[int, int], analyzer: str = "char_wb") -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngrams, preprocessor=normalize, sublinear_tf=True, min_df=1
    )


def _logistic(ngrams: tuple[int, int], c: float) -> Pipeline:
    return Pipeline([("tfidf", _tfidf(ngrams)), ("clf", LogisticRegression(C=c, max_iter=3000))])


def _svc(ngrams: tuple[int, int]) -> Pipeline:
    # LinearSVC has no probabilities: 3-fold sigmoid (Platt) calibration gives them.
    svc = LinearSVC(C=0.5, random_state=SEED)
    return Pipeline(
        [
            ("tfidf", _tfidf(ngrams)),
            ("clf", CalibratedClassifierCV(svc, method="sigmoid", cv=CALIBRATION_FOLDS)),
        ]
    )


def _sgd(ngrams: tuple[int, int]) -> Pipeline:
    sgd = SGDClassifier(loss="log_loss", alpha=2e-5, max_iter=50, tol=1e-4, random_state=SEED)
    return Pipeline([("tfidf", _tfidf(ngrams)), ("clf", sgd)])


# Compared in docs/classifier.md (`yimen events evaluate --all-variants`).
VARIANTS: dict[str, Callable[[], Pipeline]] = {
    "char_wb12_svc_sigmoid": lambda: _svc((1, 2)),
    "char_wb13_svc_sigmoid": lambda: _svc((1, 3)),
    "char_wb12_logreg": lambda: _logistic((1, 2), c=20.0),
    "char_wb12_sgd_log": lambda: _sgd((1, 2)),
}
DEFAULT_VARIANT = "char_wb12_svc_sigmoid"
CALIBRATED = {"char_wb12_svc_sigmoid", "char_wb13_svc_sigmoid"}
FALLBACK_VARIANT = "char_wb12_logreg"


@dataclass
class Model:
    """A fitted pipeline and its metadata (variant, taxonomy version, sample count, held-out metrics)."""

    pipeline: Pipeline
    meta: dict[str, Any] = field(default_factory=dict)
    _fast: list | bool | None = field(default=None, init=False, repr=False)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Class probabilities, columns in `classes` order. For the calibrated SVM this computes what
        CalibratedClassifierCV.predict_proba computes, without its per-class Python calls (61 sigmoid
        calibrators x 3 folds cost ~50 ms per call whatever the batch size; this costs ~2 ms for one text)."""
        head, clf = self.pipeline[:-1], self.pipeline[-1]
        calibrated = self._sigmoid_parameters()
        if calibrated is None:
            return self.pipeline.predict_proba(texts)
        x = head.transform(texts)
        total = np.zeros((x.shape[0], len(clf.classes_)))
        for estimator, columns, a, b in calibrated:
            proba = np.zeros_like(total)
            proba[:, columns] = expit(-(a * estimator.decision_function(x) + b))
            denominator = proba.sum(axis=1, keepdims=True)
            uniform = np.full_like(proba, 1 / proba.shape[1])
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
            total += proba
        return total / len(calibrated)

    def _sigmoid_parameters(self) -> list[tuple[Any, np.ndarray, np.ndarray, np.ndarray]] | None:
        if self._fast is None:
            clf = self.pipeline[-1]
            fast: list | bool = False
            sigmoid = isinstance(clf, CalibratedClassifierCV) and clf.method == "sigmoid"
            if sigmoid and len(clf.classes_) > 2:
                fast = []
                for part in clf.calibrated_classifiers_:
                    if not all(hasattr(c, "a_") and hasattr(c, "b_") for c in part.calibrators):
                        fast = False
                        break
                    columns = np.searchsorted(clf.classes_, part.estimator.classes_)
                    a = np.array([c.a_ for c in part.calibrators])
                    b = np.array([c.b_ for c in part.calibrators])
                    fast.append((part.estimator, columns, a, b))
            self._fast = fast
        return self._fast or None

    def predict_top(self, texts: list[str], *, k: int = 3) -> list[list[tuple[str, float]]]:
        """Per text, the k most probable subcategory codes with their probabilities, most probable first."""
        if not texts:
            return []
        proba = self.predict_proba(texts)
        k = max(1, min(k, proba.shape[1]))
        top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        classes = self.classes
        return [[(classes[j], float(row[j])) for j in idx] for row, idx in zip(proba, top, strict=True)]


def clean_samples(samples: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(text, code) rows fit to train on: text not blank, code a subcategory of the current taxonomy."""
    known = set(taxonomy_load().subcategories)
    rows = []
    for text, code in samples:
        code = str(code).strip()
        if text and text.strip() and code in known:
            rows.append((text.strip(), code))
    return rows


def train(samples: list[tuple[str, str]], *, variant: str = DEFAULT_VARIANT) -> Model:
    """Fit a model on (text, subcategory code) pairs. Rows with blank text or a code outside the taxonomy
    are dropped; at least two subcategories are needed."""
    if variant not in VARIANTS:
        raise ValidationFailed(f"未知模型变体 (unknown variant): {variant}", field="variant")
    rows = clean_samples(samples)
    counts = Counter(code for _, code in rows)
    if len(counts) < 2:
        raise ValidationFailed("训练样本至少需两个分类 (training needs at least two subcategories)")
    if variant in CALIBRATED and min(counts.values()) < CALIBRATION_FOLDS:
        # Cross-validated calibration needs CALIBRATION_FOLDS texts of every subcategory.
        variant = FALLBACK_VARIANT
    started = time.perf_counter()
    pipeline = VARIANTS[variant]()
    pipeline.fit([t for t, _ in rows], [c for _, c in rows])
    return Model(
        pipeline=pipeline,
        meta={
            "variant": variant,
            "taxonomy_version": taxonomy_load().version,
            "samples": len(rows),
            "classes": len(pipeline.classes_),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "train_seconds": round(time.perf_counter() - started, 3),
            "sklearn": sklearn.__version__,
            "triage_threshold": TRIAGE_THRESHOLD,
        },
    )


def evaluate(
    samples: list[tuple[str, str]] | None = None,
    *,
    variant: str = DEFAULT_VARIANT,
    seed: int = SEED,
    test_size: float = TEST_SIZE,
) -> dict[str, Any]:
    """Held-out figures: fit on a stratified (1 - test_size) split with a fixed seed, score the rest.

    accuracy and top3_accuracy over the held-out texts, macro_f1 over subcategories, the five weakest
    subcategories by F1, and how the TRIAGE_THRESHOLD rule plays out (share sent to triage, accuracy of the
    ones dispatched automatically)."""
    return heldout_fit(samples, variant=variant, seed=seed, test_size=test_size)[0]


def heldout_fit(
    samples: list[tuple[str, str]] | None = None,
    *,
    variant: str = DEFAULT_VARIANT,
    seed: int = SEED,
    test_size: float = TEST_SIZE,
) -> tuple[dict[str, Any], Model]:
    """evaluate()'s figures and the model fitted on the training part of the split."""
    rows = clean_samples(corpus_samples() if samples is None else samples)
    texts = [t for t, _ in rows]
    codes = [c for _, c in rows]
    x_train, x_test, y_train, y_test = train_test_split(
        texts, codes, test_size=test_size, random_state=seed, stratify=codes
    )
    model = train(list(zip(x_train, y_train, strict=True)), variant=variant)
    started = time.perf_counter()
    tops = model.predict_top(x_test, k=3)
    predict_seconds = time.perf_counter() - started
    predicted = [top[0][0] for top in tops]
    confident = [top[0][1] >= TRIAGE_THRESHOLD for top in tops]
    labels = sorted(set(codes))
    per_code = f1_score(y_test, predicted, labels=labels, average=None, zero_division=0)
    weakest = sorted(zip(labels, per_code, strict=True), key=lambda pair: (pair[1], pair[0]))[:5]
    auto = [p == y for p, y, ok in zip(predicted, y_test, confident, strict=True) if ok]
    names = taxonomy_load().subcategories
    metrics = {
        "variant": model.meta["variant"],
        "seed": seed,
        "train": len(x_train),
        "test": len(x_test),
        "accuracy": round(accuracy_score(y_test, predicted), 4),
        "top3_accuracy": round(
            float(np.mean([y in {c for c, _ in top} for y, top in zip(y_test, tops, strict=True)])), 4
        ),
        "macro_f1": round(float(f1_score(y_test, predicted, average="macro", zero_division=0)), 4),
        "weakest": [{"code": c, "name": names[c].name, "f1": round(float(f), 3)} for c, f in weakest],
        "confusions": _confusions(y_test, predicted),
        "calibration_error": _calibration_error(
            [top[0][1] for top in tops], [p == y for p, y in zip(predicted, y_test, strict=True)]
        ),
        "triage_share": round(1 - float(np.mean(confident)), 4),
        "dispatched_accuracy": round(float(np.mean(auto)), 4) if auto else None,
        "train_seconds": model.meta["train_seconds"],
        "predict_ms_per_text": round(predict_seconds * 1000 / max(1, len(x_test)), 3),
    }
    return metrics, model


def _calibration_error(confidence: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error of the top probability: |accuracy - mean probability| per tenth,
    weighted by the share of texts in it. 0 means "0.7" is right 70% of the time."""
    conf = np.asarray(confidence)
    hits = np.asarray(correct, dtype=float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    error = sum(
        abs(hits[which == b].mean() - conf[which == b].mean()) * np.mean(which == b)
        for b in range(bins)
        if np.any(which == b)
    )
    return round(float(error), 4)


def _confusions(truth: list[str], predicted: list[str], top: int = 5) -> list[dict[str, Any]]:
    """The most frequent (true -> predicted) mistakes."""
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    return [{"true": t, "predicted": p, "count": n} for (t, p), n in pairs.most_common(top)]
