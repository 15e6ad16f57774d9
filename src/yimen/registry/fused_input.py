"""Reading a fusion output (docs/fusion.md) for the registry loader: run.json, the departments of its
sources, the fused Parquet files in record batches, and the cleaning of fused values into registry values.

A cleaner returns the value in its natural form (text, a date, a division code, an ID number), None
when the fused store has none, or raises `Rejected` when the value cannot go into the registry as it is
(too long for the column, an unknown gender or status): the loader counts it and keeps the old value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from django.utils.translation import gettext as _

from yimen.common.errors import ValidationFailed
from yimen.common.identity import parse_id_number
from yimen.registry.models import Enterprise


class Rejected(Exception):
    """A fused value that does not fit the registry: not loaded, counted."""


def text(limit: int) -> Callable[[object], str | None]:
    def clean(value) -> str | None:
        value = str(value).strip() if value is not None else ""
        if len(value) > limit:
            raise Rejected
        return value or None

    return clean


def date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Rejected from None


_GENDERS = {"M": "M", "F": "F", "男": "M", "女": "F", "1": "M", "2": "F", "MALE": "M", "FEMALE": "F"}


def gender(value) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return _GENDERS[str(value).strip().upper()]
    except KeyError:
        raise Rejected from None


def status(value) -> str | None:
    value = str(value or "").strip()
    if not value:
        return None
    if value in Enterprise.Status.values:
        return value
    if "吊销" in value:  # before 注销: "吊销，未注销" is revoked
        return Enterprise.Status.REVOKED
    if "注销" in value:
        return Enterprise.Status.CANCELLED
    if any(word in value for word in ("存续", "在营", "开业", "在册")):
        return Enterprise.Status.ACTIVE
    raise Rejected


def resident_id(value):
    """The parsed ID number (`common.identity.ResidentId`), or None when it is not a valid one."""
    try:
        return parse_id_number(str(value or ""))
    except ValidationFailed:
        return None


def id_number(value) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    rid = resident_id(value)
    if rid is None:
        raise Rejected
    return rid.number


@dataclass(frozen=True)
class Spec:
    """One fused field: its column, the registry field it feeds (also FieldLineage.field), its cleaner."""

    column: str
    attr: str
    clean: Callable[[object], object]

    @property
    def provenance(self) -> tuple[str, str, str]:
        """Its provenance columns: `<field>_source`, `<field>_record_id`, `<field>_as_of`."""
        return f"{self.column}_source", f"{self.column}_record_id", f"{self.column}_as_of"


PERSON_SPECS = (
    Spec("id_number", "id_number", text(18)),  # the key: lineage only
    Spec("name", "name", text(64)),
    Spec("gender", "gender", gender),
    Spec("birth_date", "birth_date", date),
    Spec("phone", "phone", text(20)),
    Spec("address", "residence_address", text(128)),
    Spec("division_code", "residence_division", text(20)),
)
ENTERPRISE_SPECS = (
    Spec("uscc", "uscc", text(18)),
    Spec("name", "name", text(128)),
    Spec("legal_rep_id_number", "legal_representative", id_number),
    Spec("address", "registered_address", text(128)),
    Spec("established_date", "established_date", date),
    Spec("status", "status", status),
    Spec("division_code", "division", text(20)),  # not a canonical field; used when an output has it
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parquet_open(path: Path, *columns: str) -> pq.ParquetFile:
    """Open a fused Parquet file and check that it has `columns`; bad input is a ValidationFailed."""
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ValidationFailed(
            _("无法读取 %(path)s：%(error)s") % {"path": path, "error": exc}, field="out_dir"
        ) from None
    missing = [c for c in columns if c not in parquet.schema_arrow.names]
    if missing:
        raise ValidationFailed(
            _("%(path)s 缺少列 %(columns)s") % {"path": path, "columns": ", ".join(missing)}, field="out_dir"
        )
    return parquet


def batches(parquet: pq.ParquetFile, specs: tuple[Spec, ...], size: int) -> Iterator[list[dict]]:
    """The rows of `parquet` as dicts, `size` at a time, with only the columns the specs read: the file
    is never held in memory as a whole."""
    names = set(parquet.schema_arrow.names)
    wanted = [c for s in specs for c in (s.column, *s.provenance) if c in names]
    wanted += [c for c in ("conflicts",) if c in names]
    for batch in parquet.iter_batches(batch_size=size, columns=wanted):
        yield batch.to_pylist()


def run_read(out_dir: Path) -> tuple[dict, str]:
    """run.json as a dict, and the SHA-256 of its bytes."""
    path = out_dir / "run.json"
    try:
        raw = path.read_bytes()
        run = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise ValidationFailed(
            _("无法读取融合运行记录 %(path)s：%(error)s") % {"path": path, "error": exc}, field="out_dir"
        ) from None
    if not isinstance(run, dict):
        raise ValidationFailed(_("%(path)s 应为 JSON 对象") % {"path": path}, field="out_dir")
    return run, hashlib.sha256(raw).hexdigest()


def departments(run: dict, out_dir: Path) -> dict[str, str]:
    """Source name -> department, from run.json's `sources` (a mapping name -> {department, ...} or a list
    of {name, department, ...}), else from the sources.yaml that run.json names or that lies in out_dir."""
    found = _source_departments(run.get("sources"))
    if found:
        return found
    named = [run.get(k) for k in ("sources_file", "sources_path", "sources") if isinstance(run.get(k), str)]
    for name in [*named, "sources.yaml"]:
        for path in (out_dir / name, Path(name)):
            try:
                found = _source_departments(
                    (yaml.safe_load(path.read_text(encoding="utf-8")) or {})["sources"]
                )
            except (OSError, yaml.YAMLError, TypeError, KeyError):
                continue
            if found:
                return found
    return {}


def _source_departments(sources) -> dict[str, str]:
    if isinstance(sources, dict):
        sources = [
            {"name": k, **(v if isinstance(v, dict) else {"department": v})} for k, v in sources.items()
        ]
    if not isinstance(sources, list):
        return {}
    return {
        str(s["name"]): str(s.get("department") or "")[:64]
        for s in sources
        if isinstance(s, dict) and s.get("name") and s.get("department")
    }
