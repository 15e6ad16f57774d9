"""Demo extracts for the fusion pipeline (`yimen fuse demo`): what eleven departments of Chancheng would
hand over about one synthetic population, with the answer key.

`demo_write(out_dir, persons=N)` writes `extracts/<source>.csv|parquet`, `sources.yaml` (docs/fusion.md)
and `truth.csv` (`source,record_id,true_entity`, one row per extract row; persons P0000001…,
enterprises E000001…). Same seed and sizes -> byte-identical files. The population is built in
demo_people, the extracts' columns and coverage are defined in demo_sources; this module injects the
noise and writes the files in chunks (pyarrow), so 1.2 million persons take about a minute of CPU.

Coverage follows what each department holds; at persons=1.2M (rows in brackets, seed 4406):
police_hukou every local [0.63M]; migrant_registration 95 % of migrants from 16 and 70 % of their
children [0.53M]; social_insurance ~90 % of locals, 30-78 % of migrants by age [0.99M]; tax 65 % of
local and 75 % of migrant adults under 65, 5 % over [0.60M]; education 3-17 year olds [0.18M];
property owners: 80 % of local households, 15 % of migrant ones, spouses as co-owners, 15 % own more
[0.36M]; civil_affairs marriages since 1995, deaths, old-age allowance, 低保, disability [0.37M].
health holds outpatient visits (China: ~6 per person and year), more for infants and the old, and is
scaled so that the person extracts hold ROWS_PER_PERSON rows per person: 10.0M at 1.2M persons [6.36M].
Enterprises (persons / 7.5, Chancheng's ~16万): market_regulation all [160k], tax_enterprise those set
up before its as_of [155k], food_licence the catering and food shops still trading [36k].

Noise is injected at the rates of NOISE_RATES, in at most MAX_NOISY_FIELDS fields of a record, and
counted per kind in the summary (plus `deceased_listed`: rows outside civil_affairs of persons dead by
the source's as_of); truth always names the real entity.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import yaml

from yimen.fusion.demo_people import (
    ID_CHECK,
    PERSONS_PER_ENTERPRISE,
    TO_FULLWIDTH,
    TO_TRADITIONAL,
    USCC_ALPHABET,
    Enterprises,
    People,
    code_text,
    date_text,
    enterprises_build,
    join,
    people_build,
    text,
)
from yimen.fusion.demo_sources import EXTRAS, FRAMES, SPECS, Frame, Spec

ROWS_PER_PERSON = 10_000_000 / 1_200_000
CHUNK = 200_000
MAX_NOISY_FIELDS = 2
DATE_FORMATS = ("iso", "slash", "compact", "cn", "dot")
PHONE_FORMATS = ("plain", "spaced", "intl", "dashed")

# Per kind and source: the share of eligible values that carry the noise. Eligible: legacy_id_15 only
# persons born before 2000 (and, in property and civil_affairs, records from before 2005);
# stale_address the rows of households that moved before the source's as_of (a move after it always
# leaves the old address); renamed_name likewise for renamed enterprises; traditional only values with a
# character that has a traditional form; phone kinds only rows with a phone. duplicate_row: share of
# rows listed twice under another record_id.
NOISE_RATES: dict[str, dict[str, float]] = {
    "legacy_id_15": {"police_hukou": 0.03, "property": 0.5, "civil_affairs": 0.5},
    "id_bad_check": {
        **{"police_hukou": 0.001, "migrant_registration": 0.01, "social_insurance": 0.002, "tax": 0.001},
        **{"health": 0.004, "education": 0.003, "civil_affairs": 0.004},
        **{"market_regulation": 0.002, "tax_enterprise": 0.003},
    },
    "id_transposed": {
        **{"migrant_registration": 0.008, "social_insurance": 0.002, "health": 0.003},
        **{"education": 0.003, "civil_affairs": 0.003},
    },
    "id_missing": {
        **{"migrant_registration": 0.2, "health": 0.04, "education": 0.01, "social_insurance": 0.002},
        **{"civil_affairs": 0.01, "tax_enterprise": 0.01},
    },
    "fullwidth": {
        **{"migrant_registration": 0.01, "health": 0.003, "education": 0.005, "civil_affairs": 0.008},
        **{"property": 0.003, "food_licence": 0.01},
    },
    "traditional": {
        **{"police_hukou": 0.02, "migrant_registration": 0.01, "health": 0.008, "civil_affairs": 0.02},
        **{"property": 0.02, "tax": 0.003, "market_regulation": 0.002, "food_licence": 0.01},
    },
    "name_space": {
        **{"migrant_registration": 0.015, "health": 0.01, "education": 0.005, "civil_affairs": 0.008},
        **{"social_insurance": 0.003},
    },
    "phone_format": {
        **{"migrant_registration": 0.08, "health": 0.05, "civil_affairs": 0.05, "social_insurance": 0.02},
        **{"property": 0.03},
    },
    "date_format": {
        **{"migrant_registration": 0.05, "health": 0.03, "civil_affairs": 0.04, "education": 0.02},
        **{"food_licence": 0.03, "tax_enterprise": 0.02},
    },
    "stale_address": {
        **{"police_hukou": 0.6, "tax": 0.3, "property": 0.5, "social_insurance": 0.2, "health": 0.3},
        **{"civil_affairs": 0.2, "education": 0.1, "migrant_registration": 0.05},
    },
    "duplicate_row": {
        **{"police_hukou": 0.002, "migrant_registration": 0.02, "social_insurance": 0.005, "tax": 0.003},
        **{"education": 0.003, "health": 0.002, "market_regulation": 0.001, "tax_enterprise": 0.002},
    },
    "uscc_bad_check": {"market_regulation": 0.001, "tax_enterprise": 0.002, "food_licence": 0.005},
    "uscc_missing": {"food_licence": 0.02, "tax_enterprise": 0.001},
    "renamed_name": {"tax_enterprise": 0.4, "food_licence": 0.6},
}
# Field -> the noise kinds it may take (one at a time). Field order is the priority under the cap.
FIELD_NOISE = {
    "person": {
        "address": ("stale_address", "traditional", "fullwidth"),
        "id_number": ("legacy_id_15", "id_bad_check", "id_transposed", "id_missing", "fullwidth"),
        "name": ("traditional", "name_space"),
        "phone": ("phone_format", "fullwidth"),
        "birth_date": ("date_format",),
    },
    "enterprise": {
        "name": ("renamed_name", "traditional"),
        "uscc": ("uscc_bad_check", "uscc_missing"),
        "legal_rep_id_number": ("id_bad_check", "id_missing"),
        "legal_rep_name": ("traditional",),
        "address": ("traditional", "fullwidth"),
        "established_date": ("date_format",),
    },
}
NULL = pa.scalar(None, pa.string())
TRUTH_COLUMNS = ["source", "record_id", "true_entity"]


@dataclass
class World:
    seed: int
    people: People
    ents: Enterprises
    _cache: dict = field(default_factory=dict)

    def memo(self, key, make: Callable[[], pa.Array]) -> pa.Array:
        """Text rendered once per person (or household, enterprise), then taken per row."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def names(self) -> pa.Array:
        return self.memo("names", self.people.name_text)

    def phones(self, fmt: str) -> pa.Array:
        return self.memo(("phone", fmt), lambda: self.people.phone_text(fmt))

    def dates(self, fmt: str, enterprise: bool = False) -> pa.Array:
        days = self.ents.established if enterprise else self.people.birth
        return self.memo(("date", fmt, enterprise), lambda: date_text(days, fmt))

    def addresses(self, prefix: str, previous: bool = False) -> pa.Array:
        """Per household: where it lives now, or lived before it moved."""
        table = self.people.hh_prev_address if previous else self.people.hh_address
        return self.memo(("address", prefix, previous), lambda: join(prefix, table))

    def enterprise_addresses(self, prefix: str) -> pa.Array:
        return self.memo(("enterprise_address", prefix), lambda: join(prefix, self.ents.address))

    def employer(self) -> np.ndarray:
        if "employer" not in self._cache:
            rng = np.random.default_rng([self.seed, 3])
            self._cache["employer"] = rng.integers(0, max(self.ents.n, 1), self.people.n)
        return self._cache["employer"]


ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


def demo_write(
    out_dir: Path,
    *,
    persons: int,
    seed: int = 4406,
    enterprises: int | None = None,
    progress: ProgressFn | None = None,
) -> dict:
    """Write the demo extracts, sources.yaml and truth.csv under `out_dir`; return a summary: rows per
    source, totals, and noise counts per kind (overall and per source). `progress` hears "population",
    then each source's name with rows written so far."""
    count = max(round(persons / PERSONS_PER_ENTERPRISE), 1) if enterprises is None else enterprises
    if persons < 1 or count < 1:
        raise ValueError("persons and enterprises must be at least 1")
    out_dir = Path(out_dir)
    (out_dir / "extracts").mkdir(parents=True, exist_ok=True)
    report = progress or (lambda stage, done, total: None)
    report("population", 0, 2)
    people = people_build(persons, seed)
    report("population", 1, 2)
    world = World(seed, people, enterprises_build(count, people, seed))
    report("population", 2, 2)

    frames: dict[str, Frame] = {}
    noise: dict[str, Counter] = {}
    for i, spec in enumerate(SPECS):  # health last: it fills up to ROWS_PER_PERSON
        rng = np.random.default_rng([seed, 100 + i])
        other = sum(len(f.ids) for name, f in frames.items() if _spec(name).kind == "person")
        target = max(round(persons * ROWS_PER_PERSON) - other, 0)
        frames[spec.name], dups = _duplicate(FRAMES[spec.name](world, spec, rng, target), spec, rng)
        noise[spec.name] = Counter({"duplicate_row": dups} if dups else {})

    truth = pcsv.CSVWriter(out_dir / "truth.csv", _schema(TRUTH_COLUMNS))
    rows = {}
    try:
        for i, spec in enumerate(SPECS):
            frame = frames.pop(spec.name)
            rows[spec.name] = len(frame.ids)
            _write_source(world, spec, frame, out_dir, truth, noise[spec.name], i, report)
    finally:
        truth.close()
    _write_yaml(out_dir / "sources.yaml")
    totals = Counter()
    for c in noise.values():
        totals.update(c)
    person_rows = sum(n for s, n in rows.items() if _spec(s).kind == "person")
    return {
        "seed": seed,
        "persons": persons,
        "enterprises": count,
        "households": int(people.hh.max()) + 1,
        "migrants": int((~people.local).sum()),
        "deceased": int((~np.isnat(people.death)).sum()),
        "renamed_enterprises": int((~np.isnat(world.ents.rename_date)).sum()),
        "rows": rows,
        "person_rows": person_rows,
        "enterprise_rows": sum(rows.values()) - person_rows,
        "total_rows": sum(rows.values()),
        "noise": dict(sorted(totals.items())),
        "noise_by_source": {s: dict(sorted(c.items())) for s, c in noise.items()},
    }


def _spec(name: str) -> Spec:
    return next(s for s in SPECS if s.name == name)


def _schema(columns) -> pa.Schema:
    return pa.schema([(c, pa.string()) for c in columns])


def _duplicate(frame: Frame, spec: Spec, rng: np.random.Generator) -> tuple[Frame, int]:
    """Some rows listed twice (another record_id), then the rows shuffled unless the source keeps order."""
    n = len(frame.ids)
    dup = np.flatnonzero(rng.random(n) < NOISE_RATES["duplicate_row"].get(spec.name, 0.0))
    take = np.concatenate([np.arange(n), dup])
    if spec.shuffle:
        take = rng.permutation(take)
    frame.ids = frame.ids[take]
    frame.extra = {k: v[take] for k, v in frame.extra.items()}
    if frame.legacy_ok is not None:
        frame.legacy_ok = frame.legacy_ok[take]
    return frame, len(dup)


# --- noise --------------------------------------------------------------------------------------------------
def _assign(w: World, spec: Spec, frame: Frame, rows: slice, rng) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per field, a code per row: 0 clean, k = the k-th kind of FIELD_NOISE[kind][field]."""
    ids = frame.ids[rows]
    n = len(ids)
    P, E = w.people, w.ents
    as_of = np.datetime64(spec.as_of, "D")
    phone_kept = np.zeros(n, bool)
    if spec.kind == "person":
        has = (P.mobile[ids] > 0) | (P.hh_landline[P.hh[ids]] > 0)
        phone_kept = has & (rng.random(n) < spec.phone_share)
    busy = np.zeros(n, np.int8)
    codes = {}
    for fld, kinds in FIELD_NOISE[spec.kind].items():
        if fld not in spec.fields:
            continue
        rates = np.zeros((n, len(kinds)))
        for j, kind in enumerate(kinds):
            r = NOISE_RATES[kind].get(spec.name, 0.0)
            if kind == "stale_address":
                hh = P.hh[ids]
                after = P.hh_move_date[hh] > as_of
                rates[:, j] = np.where(after, 1.0, r) * P.hh_moved[hh]
            elif kind == "renamed_name":
                rename = E.rename_date[ids]
                rates[:, j] = np.where(rename > as_of, 1.0, r) * ~np.isnat(rename)
            elif kind == "legacy_id_15":
                rates[:, j] = r * frame.legacy_ok[rows] if frame.legacy_ok is not None else 0.0
            elif kind == "traditional" and fld != "address":
                vids = E.legal_rep[ids] if fld == "legal_rep_name" else ids
                has_form = E.name_has_traditional[ids] if fld == "name" and spec.kind != "person" else None
                rates[:, j] = r * (P.name_has_traditional[vids] if has_form is None else has_form)
            elif fld == "phone":
                rates[:, j] = r * phone_kept
            else:
                rates[:, j] = r
        first = (rng.random(n)[:, None] >= np.cumsum(rates, axis=1)).sum(axis=1)
        code = np.where((first < len(kinds)) & (busy < MAX_NOISY_FIELDS), first + 1, 0).astype(np.int8)
        busy += code > 0
        codes[fld] = code
    return codes, phone_kept


def _variant(w: World, spec: Spec, fld: str, kind: str, ids, param, old: pa.Array) -> pa.Array:
    """The noisy values of `fld` for the rows `ids` (persons, or enterprises; legal reps as persons)."""
    P = w.people
    if kind in ("traditional", "fullwidth"):
        table = TO_TRADITIONAL if kind == "traditional" else TO_FULLWIDTH
        return text(s.translate(table) for s in old.to_pylist())
    if kind.endswith("_missing"):
        return pa.nulls(len(ids), pa.string())
    if kind.endswith("_bad_check"):
        alphabet = ID_CHECK if kind == "id_bad_check" else USCC_ALPHABET
        return text(s[:-1] + _other(alphabet, s[-1], p) for s, p in zip(old.to_pylist(), param, strict=True))
    if kind == "id_transposed":
        return text(_transpose(s, p) for s, p in zip(old.to_pylist(), param, strict=True))
    if kind == "legacy_id_15":
        return P.id15_text(ids)
    if kind == "name_space":
        return P.name_text(ids, space=True)
    if kind == "date_format":
        options = [f for f in DATE_FORMATS if f != spec.date]
        return _by_param(param, options, lambda f, m: w.dates(f, fld != "birth_date").take(ids[m]))
    if kind == "phone_format":
        options = [f for f in PHONE_FORMATS if f != spec.phone]
        return _by_param(param, options, lambda f, m: w.phones(f).take(ids[m]))
    if kind == "stale_address":
        return w.addresses(spec.address_prefix, previous=True).take(P.hh[ids])
    if kind == "renamed_name":
        return w.ents.old_name.take(ids)
    raise ValueError(kind)


def _other(alphabet: str, char: str, p: int) -> str:
    return alphabet[(alphabet.index(char) + 1 + p % (len(alphabet) - 1)) % len(alphabet)]


def _transpose(s: str, p: int) -> str:
    """Swap two adjacent, different digits of the 17-digit body (the check character stays)."""
    spots = [i for i in range(16) if s[i] != s[i + 1]]
    i = spots[p % len(spots)]
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def _by_param(param: np.ndarray, options, render) -> pa.Array:
    pick = param % len(options)
    out = pa.nulls(len(param), pa.string())
    for j, option in enumerate(options):
        m = pick == j
        if m.any():
            out = pc.replace_with_mask(out, pa.array(m), render(option, m))
    return out


# --- rendering and writing ----------------------------------------------------------------------------------
def _field(w: World, spec: Spec, fld: str, ids, codes, param, phone_kept) -> pa.Array:
    P, E = w.people, w.ents
    person = spec.kind == "person"
    vids = E.legal_rep[ids] if fld.startswith("legal_rep") else ids
    if fld == "gender":
        male = pa.array(P.male[ids])
        return pc.if_else(male, *{"男女": ("男", "女"), "12": ("1", "2"), "MF": ("M", "F")}[spec.gender])
    if fld == "division_code":
        hh = P.hh[ids]
        stale = codes["address"] == 1
        village = np.where(stale, P.hh_prev_village[hh], P.hh_village[hh])
        return text(P.places.code).take(village)
    if fld == "status":
        return text(spec.status_words).take(E.status[ids])
    if fld in ("id_number", "legal_rep_id_number"):
        base = P.id_text.take(vids)
    elif fld in ("name", "legal_rep_name"):
        base = w.names().take(vids) if person or fld == "legal_rep_name" else E.name.take(ids)
    elif fld in ("birth_date", "established_date"):
        base = w.dates(spec.date, fld == "established_date").take(ids)
    elif fld == "phone":
        base = pc.if_else(pa.array(phone_kept), w.phones(spec.phone).take(ids), NULL)
    elif fld == "address" and person:
        base = w.addresses(spec.address_prefix).take(P.hh[ids])
    elif fld == "address":
        base = w.enterprise_addresses(spec.address_prefix).take(ids)
    elif fld == "uscc":
        base = E.uscc.take(ids)
    else:
        raise ValueError(fld)
    code = codes.get(fld)
    if code is None:
        return base
    for j, kind in enumerate(FIELD_NOISE[spec.kind][fld], 1):
        sel = code == j
        if sel.any():
            mask = pa.array(sel)
            new = _variant(w, spec, fld, kind, vids[sel], param[sel], base.filter(mask))
            base = pc.replace_with_mask(base, mask, new)
    return base


def _chunk(w: World, spec: Spec, frame: Frame, rows: slice, first_number: int, rng, noise: Counter):
    """One chunk of an extract (a table) and its truth rows; noise counted into `noise`."""
    ids = frame.ids[rows]
    codes, phone_kept = _assign(w, spec, frame, rows, rng)
    param = rng.integers(0, 1 << 30, len(ids))
    for fld, code in codes.items():
        kinds = FIELD_NOISE[spec.kind][fld]
        for j, n in enumerate(np.bincount(code, minlength=len(kinds) + 1)[1:]):
            if n:
                noise[kinds[j]] += int(n)
    if spec.kind == "person" and spec.name != "civil_affairs":
        died = w.people.death[ids] <= np.datetime64(spec.as_of, "D")
        if died.any():
            noise["deceased_listed"] += int(died.sum())
    extras = EXTRAS[spec.name](w, spec, frame, rows, ids)
    record_id = extras.pop("record_id", None)
    if record_id is None:
        width = max(9, len(str(first_number - rows.start + len(frame.ids))))
        record_id = code_text(spec.record_prefix, np.arange(len(ids)) + first_number, width)
    columns = {}
    for col, key in spec.columns:
        if key == "record_id":
            columns[col] = record_id
        elif key in spec.fields:
            columns[col] = _field(w, spec, key, ids, codes, param, phone_kept)
        elif key.startswith("="):
            columns[col] = pa.repeat(pa.scalar(key[1:]), len(ids))
        else:
            columns[col] = extras[key]
    person = spec.kind == "person"
    entity = code_text(
        "P" if person else "E", ids + 1, max(7 if person else 6, len(str(w.people.n if person else w.ents.n)))
    )
    truth = pa.table([pa.repeat(pa.scalar(spec.name), len(ids)), record_id, entity], TRUTH_COLUMNS)
    return pa.table(columns), truth


def _write_source(w: World, spec: Spec, frame: Frame, out_dir: Path, truth, noise: Counter, index, report):
    path = out_dir / spec.path
    total = len(frame.ids)
    schema = _schema(col for col, _ in spec.columns)
    first_number = int(np.random.default_rng([w.seed, 200 + index]).integers(10**6, 10**7))
    if spec.path.endswith(".parquet"):
        writer = pq.ParquetWriter(path, schema, compression="zstd")
    elif spec.encoding == "utf-8":
        writer = pcsv.CSVWriter(path, schema)
    else:
        writer = _EncodedCSV(path, spec.encoding)
    try:
        report(spec.name, 0, total)
        for k, start in enumerate(range(0, max(total, 1), CHUNK)):
            rows = slice(start, min(start + CHUNK, total))
            rng = np.random.default_rng([w.seed, 1000 + index, k])
            table, t = _chunk(w, spec, frame, rows, first_number + start, rng, noise)
            writer.write_table(table)
            truth.write_table(t)
            report(spec.name, rows.stop, total)
    finally:
        writer.close()


class _EncodedCSV:
    """CSV in a legacy encoding (GBK): each chunk rendered by Arrow, then encoded as a whole."""

    def __init__(self, path: Path, encoding: str):
        self.file, self.encoding, self.header = path.open("wb"), encoding, True

    def write_table(self, table: pa.Table) -> None:
        sink = pa.BufferOutputStream()
        pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=self.header))
        self.header = False
        self.file.write(sink.getvalue().to_pybytes().decode("utf-8").encode(self.encoding))

    def close(self) -> None:
        self.file.close()


def _write_yaml(path: Path) -> None:
    doc = {"sources": []}
    for spec in SPECS:
        item = {"name": spec.name, "department": spec.department, "kind": spec.kind, "path": spec.path}
        if spec.declare_encoding:
            item["encoding"] = spec.encoding
        item |= {"as_of": dt.date.fromisoformat(spec.as_of), "record_id": spec.record_id_column}
        item["columns"] = {col: key for col, key in spec.columns if key in spec.fields}
        item["trust"] = dict(spec.trust)
        doc["sources"].append(item)
    head = "# Demo extracts of Chancheng departments (yimen fuse demo); the contract is docs/fusion.md.\n"
    path.write_text(head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
