"""Where an item's back-office steps come from: `procedures.yaml` (data, not code), by item kind with
per-item overrides. Each step is worked by the implementing department's approvers; the last decides."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_FILE = Path(__file__).with_name("procedures.yaml")


@dataclass(frozen=True)
class StepSpec:
    code: str
    name: str


@dataclass(frozen=True)
class Procedure:
    steps: tuple[StepSpec, ...]
    certificate_valid_years: int | None


@cache
def _table() -> dict:
    data = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    if data.get("format") != "yimen-procedures/1":
        raise ValueError(f"{_FILE}: unknown format {data.get('format')!r}")
    return data


def procedure_for(version) -> Procedure:
    """The procedure of an item version: item override, else its kind's, else the default."""
    table = _table()
    spec = dict(table["default"])
    spec.update(table.get("kinds", {}).get(version.kind, {}))
    spec.update(table.get("items", {}).get(version.item.implementation_code, {}))
    steps = tuple(StepSpec(code=s["code"], name=s["name"]) for s in spec["steps"])
    if not steps:
        raise ValueError(f"procedure of {version.item.implementation_code} has no steps")
    return Procedure(steps=steps, certificate_valid_years=spec.get("certificate_valid_years"))
