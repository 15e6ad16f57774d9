"""The shipped training corpus: `corpus/*.yaml`, each a mapping {subcategory code: [report text, ...]}.

Texts are realistic reports written for the demo: 12345 hotline transcriptions, 随手拍 app posts and
grid-worker patrol notes about places in Chancheng. `normalize` is the one text normalisation used for
training, prediction and the corpus uniqueness check.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from yimen.common.errors import ValidationFailed

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), lower case, one space between words."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


def corpus_files(directory: Path | None = None) -> list[Path]:
    return sorted(Path(directory or CORPUS_DIR).glob("*.yaml"))


def corpus_read(directory: Path | None = None) -> dict[str, list[str]]:
    """{code: [texts]} over every corpus file; a code listed in two files has its texts merged."""
    by_code: dict[str, list[str]] = {}
    for path in corpus_files(directory):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValidationFailed(f"{path}: 顶层应为 {{代码: [文本]}} (top level must map code to texts)")
        for code, texts in data.items():
            if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
                raise ValidationFailed(
                    f"{path}: {code}: 应为非空文本列表 (must be a list of non-empty texts)"
                )
            by_code.setdefault(str(code), []).extend(t.strip() for t in texts)
    return by_code


def corpus_samples(directory: Path | None = None) -> list[tuple[str, str]]:
    """(text, code) pairs in a stable order."""
    return [(text, code) for code, texts in sorted(corpus_read(directory).items()) for text in texts]
