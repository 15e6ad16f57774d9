"""The installed model: where it lives, saving and loading it, training it from the corpus or from closed
events, and classify() over it (loaded once per process, reloaded when the file changes)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings

from .corpus import corpus_samples
from .model import DEFAULT_VARIANT, TRIAGE_THRESHOLD, Model, clean_samples, evaluate, train
from .taxonomy import taxonomy_load

log = logging.getLogger(__name__)

MODEL_FILE = "events-classifier.joblib"
META_FILE = "events-classifier.json"


def model_path() -> Path:
    return Path(settings.VAR_DIR) / "models" / MODEL_FILE


def meta_path() -> Path:
    return model_path().with_name(META_FILE)


def model_save(model: Model, path: Path | None = None) -> Path:
    """Write the model and its JSON metadata atomically (temp file + rename), so a reader never sees half."""
    path = Path(path or model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, write in (
        (path, lambda f: joblib.dump(model.pipeline, f, compress=3)),
        (
            path.with_name(META_FILE),
            lambda f: f.write(json.dumps(model.meta, ensure_ascii=False, indent=2).encode()),
        ),
    ):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=target.suffix)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, target)
    _cache.clear()
    return path


def model_load(path: Path | None = None) -> Model:
    path = Path(path or model_path())
    meta_file = path.with_name(META_FILE)
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    return Model(pipeline=joblib.load(path), meta=meta)


def train_from_corpus(*, save: bool = True, variant: str = DEFAULT_VARIANT, measure: bool = True) -> Model:
    """Fit on the whole shipped corpus and (by default) install the model. With measure (the default) the
    held-out figures are measured first on a stratified split and kept in the metadata; first-use training
    inside classify() skips that to answer sooner."""
    samples = corpus_samples()
    metrics = evaluate(samples, variant=variant) if measure else None
    model = train(samples, variant=variant)
    model.meta["source"] = "corpus"
    if metrics:
        model.meta.update(heldout=_headline(metrics), accuracy=metrics["accuracy"])
    if save:
        model_save(model)
    return model


def train_from_closed_events(rows: Iterable[tuple[str, str]], *, save: bool = True) -> Model:
    """Retrain on the shipped corpus plus closed events' (text, final subcategory code) rows.

    Closed events carry the subcategory the handling department confirmed, so they are the best labels
    there are; the corpus keeps every subcategory represented while real data is still thin. The held-out
    figures are measured on the combined set before the final fit."""
    extra = clean_samples(rows)
    samples = corpus_samples() + extra
    metrics = evaluate(samples)
    model = train(samples)
    model.meta.update(
        source="corpus+closed_events",
        closed_events=len(extra),
        heldout=_headline(metrics),
        accuracy=metrics["accuracy"],
    )
    if save:
        model_save(model)
    return model


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = ("seed", "test", "accuracy", "top3_accuracy", "macro_f1", "calibration_error", "triage_share")
    return {key: metrics[key] for key in keys}


_cache: dict[str, Any] = {}
_lock = threading.Lock()


def installed_model() -> Model:
    """The installed model, loaded once per process and reloaded when the file changes. Absent (or trained
    for another taxonomy version): trained from the shipped corpus now, in a few seconds, and saved."""
    path = model_path()
    with _lock:
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp is not None and _cache.get("key") == (str(path), stamp):
            return _cache["model"]
        model = model_load(path) if stamp is not None else None
        if model is None or model.meta.get("taxonomy_version") != taxonomy_load().version:
            log.warning("events classifier: no current model at %s, training from the corpus", path)
            model = train_from_corpus(save=True, measure=False)
            stamp = path.stat().st_mtime_ns
        _cache.update(key=(str(path), stamp), model=model)
        return model


def model_is_current() -> bool:
    """True when a model is installed and was trained for the current taxonomy."""
    try:
        meta = json.loads(meta_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return False
    return model_path().exists() and meta.get("taxonomy_version") == taxonomy_load().version


def classify_many(texts: list[str], *, k: int = 3) -> list[list[tuple[str, float]]]:
    """classify() over a batch (one predict_proba call); blank texts get []."""
    model = installed_model()
    filled = [i for i, t in enumerate(texts) if t and t.strip()]
    out: list[list[tuple[str, float]]] = [[] for _ in texts]
    for i, top in zip(filled, model.predict_top([texts[i] for i in filled], k=k), strict=True):
        out[i] = top
    return out


def classify(text: str, *, k: int = 3) -> list[tuple[str, float]]:
    """The k most probable subcategory codes for a report text with their probabilities, most probable
    first (they sum to at most 1). A blank text gets []. Route to manual triage when the list is empty or
    its first probability is below TRIAGE_THRESHOLD."""
    return classify_many([text], k=k)[0]


def needs_triage(top: list[tuple[str, float]]) -> bool:
    return not top or top[0][1] < TRIAGE_THRESHOLD
