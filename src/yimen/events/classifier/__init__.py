"""Event text classifier: report text -> the most probable subcategories of the event taxonomy.

    from yimen.events.classifier import classify, TRIAGE_THRESHOLD
    classify("祖庙路首层某汤粉店,后门窗口油烟直排扰民")   # [("0301", 0.8...), (...), (...)]

The installed model lives under settings.VAR_DIR / "models"; it is trained from the shipped corpus on
first use (or by `yimen events train`) and retrained from closed events by
`yimen events train --from-closed-events`.
"""

from .corpus import corpus_read, corpus_samples, normalize
from .hooks import closed_event_samples
from .model import (
    DEFAULT_VARIANT,
    TRIAGE_THRESHOLD,
    VARIANTS,
    Model,
    evaluate,
    heldout_fit,
    train,
)
from .store import (
    classify,
    classify_many,
    installed_model,
    model_is_current,
    model_load,
    model_path,
    model_save,
    needs_triage,
    train_from_closed_events,
    train_from_corpus,
)

__all__ = [
    "DEFAULT_VARIANT",
    "TRIAGE_THRESHOLD",
    "VARIANTS",
    "Model",
    "classify",
    "classify_many",
    "closed_event_samples",
    "corpus_read",
    "corpus_samples",
    "evaluate",
    "heldout_fit",
    "installed_model",
    "model_is_current",
    "model_load",
    "model_path",
    "model_save",
    "needs_triage",
    "normalize",
    "train",
    "train_from_closed_events",
    "train_from_corpus",
]
