"""The event subcategories the classifier predicts, read from the reference taxonomy YAML.

The taxonomy file has no version field, so its version is the first 12 hex digits of its SHA-256:
a model trained against another taxonomy is noticed and retrained instead of predicting stale codes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from yimen.common.errors import ValidationFailed


@dataclass(frozen=True)
class Subcategory:
    code: str
    name: str
    category_code: str
    category_name: str


@dataclass(frozen=True)
class Taxonomy:
    version: str
    subcategories: dict[str, Subcategory]

    @property
    def codes(self) -> list[str]:
        return sorted(self.subcategories)


def taxonomy_path() -> Path:
    from yimen.places import sources

    return sources.reference_path(sources.TAXONOMY_FILE)


@cache
def _read(path: Path, mtime_ns: int) -> Taxonomy:
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    categories = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(categories, list) or not categories:
        raise ValidationFailed(f"{path}: 缺少 categories 列表 (missing list: categories)", field="taxonomy")
    subs: dict[str, Subcategory] = {}
    for category in categories:
        for child in category.get("children") or []:
            code = str(child["code"])
            subs[code] = Subcategory(
                code=code,
                name=str(child["name"]),
                category_code=str(category["code"]),
                category_name=str(category["name"]),
            )
    return Taxonomy(version=hashlib.sha256(raw).hexdigest()[:12], subcategories=subs)


def taxonomy_load(path: Path | None = None) -> Taxonomy:
    path = Path(path) if path else taxonomy_path()
    return _read(path, path.stat().st_mtime_ns)
