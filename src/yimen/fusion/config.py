"""The input contract: `sources.yaml` (docs/fusion.md). Every problem names the file, the source and the
column it is about; nothing is read from the extracts here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PERSON_FIELDS = ("id_number", "name", "gender", "birth_date", "phone", "address", "division_code")
ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "legal_rep_id_number",
    "legal_rep_name",
    "address",
    "established_date",
    "status",
)
FIELDS = {"person": PERSON_FIELDS, "enterprise": ENTERPRISE_FIELDS}
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
KEYS = {"name", "department", "kind", "path", "encoding", "as_of", "record_id", "columns", "trust"}


class FusionError(Exception):
    """Bad input: says which file, column and row, so the data administrator can fix the extract."""

    def __init__(self, message: str, *, file: str | Path | None = None, column: str | None = None, row=None):
        self.message, self.file, self.column, self.row = message, file, column, row
        where = []
        if file is not None:
            where.append(str(file))
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")


@dataclass(frozen=True)
class Source:
    name: str
    department: str
    kind: str
    path: Path
    as_of: dt.date
    record_id: str
    columns: dict[str, str]  # file column -> canonical field
    trust: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None  # None: detect (CSV only)

    @property
    def format(self) -> str:
        return "parquet" if self.path.suffix.lower() in (".parquet", ".pq") else "csv"

    @property
    def fields(self) -> list[str]:
        """Canonical fields this source provides, in canonical order."""
        mapped = set(self.columns.values())
        return [f for f in FIELDS[self.kind] if f in mapped]

    def column_for(self, canonical: str) -> str:
        return next(col for col, f in self.columns.items() if f == canonical)


def sources_load(path: str | Path) -> list[Source]:
    """Parse and check `sources.yaml`; raise FusionError naming the first problem."""
    path = Path(path)
    if not path.is_file():
        raise FusionError("sources file not found", file=path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FusionError(f"not valid YAML: {exc}", file=path) from exc
    items = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise FusionError("expected a mapping with a non-empty list `sources:`", file=path)
    sources, seen = [], set()
    for i, item in enumerate(items):
        src = _source(item, i, path)
        if src.name in seen:
            raise FusionError(f"source name {src.name!r} is used twice", file=path)
        seen.add(src.name)
        sources.append(src)
    return sources


def _source(item, i: int, yaml_path: Path) -> Source:
    label = f"sources[{i}]"
    if not isinstance(item, dict):
        raise FusionError(f"{label}: expected a mapping", file=yaml_path)
    label = f"source {item.get('name', i)!r}"
    unknown = sorted(set(item) - KEYS)
    if unknown:
        raise FusionError(f"{label}: unknown key(s) {', '.join(unknown)}", file=yaml_path)
    for key in ("name", "department", "kind", "path", "as_of", "record_id", "columns"):
        if item.get(key) in (None, ""):
            raise FusionError(f"{label}: `{key}` is required", file=yaml_path)
    name = str(item["name"])
    if not NAME_RE.match(name):
        raise FusionError(
            f"{label}: name must match [a-z][a-z0-9_]* (it names an output file)", file=yaml_path
        )
    kind = item["kind"]
    if kind not in FIELDS:
        raise FusionError(f"{label}: kind must be person or enterprise, not {kind!r}", file=yaml_path)
    as_of = item["as_of"]
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise FusionError(f"{label}: as_of {as_of!r} is not a date (YYYY-MM-DD)", file=yaml_path) from exc
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, dt.date):
        raise FusionError(f"{label}: as_of {as_of!r} is not a date (YYYY-MM-DD)", file=yaml_path)
    columns = item["columns"]
    if not isinstance(columns, dict) or not columns:
        raise FusionError(f"{label}: `columns` must map file columns to canonical fields", file=yaml_path)
    allowed = FIELDS[kind]
    seen_fields: dict[str, str] = {}
    for col, canonical in columns.items():
        if canonical not in allowed:
            raise FusionError(
                f"{label}: unknown canonical field {canonical!r} (a {kind} source may map to: "
                f"{', '.join(allowed)})",
                file=yaml_path,
                column=str(col),
            )
        if canonical in seen_fields:
            raise FusionError(
                f"{label}: canonical field {canonical!r} is mapped twice ({seen_fields[canonical]!r} and {col!r})",
                file=yaml_path,
                column=str(col),
            )
        seen_fields[canonical] = str(col)
    trust = item.get("trust") or {}
    if not isinstance(trust, dict):
        raise FusionError(f"{label}: `trust` must map canonical fields to numbers", file=yaml_path)
    for canonical, rank in trust.items():
        if canonical not in allowed:
            raise FusionError(f"{label}: trust names unknown canonical field {canonical!r}", file=yaml_path)
        if isinstance(rank, bool) or not isinstance(rank, int | float):
            raise FusionError(
                f"{label}: trust of {canonical!r} must be a number, not {rank!r}", file=yaml_path
            )
    encoding = item.get("encoding")
    if encoding is not None:
        key = str(encoding).lower().replace("_", "-")
        if key not in ENCODINGS:
            raise FusionError(
                f"{label}: encoding {encoding!r} is not supported (utf-8, gbk, gb18030)", file=yaml_path
            )
        encoding = ENCODINGS[key]
    file_path = (yaml_path.parent / str(item["path"])).resolve()
    if not file_path.is_file():
        raise FusionError(f"{label}: extract not found", file=file_path)
    return Source(
        name=name,
        department=str(item["department"]),
        kind=kind,
        path=file_path,
        as_of=as_of,
        record_id=str(item["record_id"]),
        columns={str(k): v for k, v in columns.items()},
        trust={k: float(v) for k, v in trust.items()},
        encoding=encoding,
    )
