"""The typed nodes a parsed tag rule is made of (see rules.py for the language); query.py turns them into
ORM conditions and explain.py evaluates them for one subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DECIDED = frozenset({"approved", "rejected", "delivered"})


@dataclass(frozen=True)
class FieldSpec:
    label: str  # shown in explanations (Chinese source, translated at display)
    type: str  # date | choice | str | bool | number | division
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Count:
    op: str = "gte"
    value: int = 1


@dataclass(frozen=True)
class All:
    children: tuple


@dataclass(frozen=True)
class AnyOf:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: Any


@dataclass(frozen=True)
class Field:
    field: str
    op: str
    value: Any
    spec: FieldSpec


@dataclass(frozen=True)
class HouseholdSize:
    count: Count


@dataclass(frozen=True)
class HouseholdMember:
    rule: Any


@dataclass(frozen=True)
class Relation:
    kind: str
    where: Any  # a tree of Field/All/AnyOf/Not over the relative, or None
    count: Count


@dataclass(frozen=True)
class CaseCond:
    items: tuple[str, ...]
    statuses: tuple[str, ...]  # empty: any status
    within_days: int | None
    count: Count

    @property
    def on_decision(self) -> bool:
        return bool(self.statuses) and set(self.statuses) <= DECIDED


@dataclass(frozen=True)
class CertificateCond:
    items: tuple[str, ...]
    name_contains: str
    valid: bool | None
    expires_within_days: int | None


@dataclass(frozen=True)
class TagRef:
    code: str
    name: str
    rule: Any  # the referenced tag's parsed rule
    alive_only: bool
