"""Govern (治理): standardise and validate the rows of one department extract (docs/fusion.md).

`govern_sql()` writes the stage as one SELECT, for DuckDB or for Spark SQL, with identical results;
the functions before it are the same rules in plain Python, for tests, for the registry loader and
as the reference the SQL is checked against. No Django here, and no Python runs per row.

Issues are raised only for the fields a source maps: a source without a phone column has no
`phone_invalid`, one without ID numbers has `id_status = 'missing'` but no `id_missing` issue. An
issue's `value` is always the raw value of its `field`.
"""

from __future__ import annotations

import datetime as dt
import re

from yimen.fusion import chars
from yimen.fusion.chars import fold, literal, simplify
from yimen.fusion.config import ENTERPRISE_FIELDS, FIELDS, PERSON_FIELDS  # noqa: F401 - re-exported

DATE_FIELDS = ("birth_date", "established_date")

ID_STATUSES = ("valid", "repaired_15", "bad_checksum", "bad_date", "malformed", "missing")
USCC_STATUSES = ("valid", "bad_checksum", "malformed", "missing")
ENTERPRISE_STATUSES = ("active", "revoked", "cancelled", "moved_out")
RULES = (
    *("id_missing", "id_malformed", "id_bad_checksum", "id_bad_date", "id_repaired_15"),
    *("id_birth_mismatch", "id_gender_mismatch", "uscc_missing", "uscc_malformed", "uscc_bad_checksum"),
    *("name_missing", "name_changed_variant", "phone_invalid", "date_unparsed", "date_out_of_range"),
    *("gender_unknown", "division_unknown", "duplicate_in_source", "status_unknown"),
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
EARLIEST = dt.date(1900, 1, 1)
LOCAL_AREA_CODE = "0757"  # Foshan: a bare 8-digit number is a local landline

# Regular expressions, read alike by Python re, RE2 (DuckDB) and java.util.regex (Spark): ASCII
# classes only, anchored. Values reach them folded, so without any line break for `$` to stop at.
_TIME = "[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?"
DATE_SEPARATED = "^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?(" + _TIME + ")?$"
DATE_COMPACT = "^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{6}|" + _TIME + ")?$"
ID_18 = "^[0-9]{17}[0-9X]$"
ID_15 = "^[0-9]{15}$"
USCC_SHAPE = "^[0-9A-HJ-NP-RTUW-Y]{18}$"
DIVISION = "^[0-9]{6}([0-9]{3}){0,2}$"
MOBILE = "^1[3-9][0-9]{9}$"
LANDLINE = "^0[1-9][0-9]{8,10}$"
NATIONAL = "^[1-9][0-9]{8,10}$"  # after +86: area code without its 0, or a mobile
LOCAL = "^[2-9][0-9]{7}$"
PHONE_DROP = " -().\u2013\u2014"
GENDERS = {"M": ("m", "male", "男", "男性", "1"), "F": ("f", "female", "女", "女性", "2")}
STATUS_PATTERNS = (  # first match wins: 吊销，未注销 is revoked
    ("revoked", "^(吊销|revoked)"),
    ("cancelled", "^(已)?(注销|cancel)"),
    ("moved_out", "^((已)?迁出|moved)"),
    ("active", "^(存续|在业|开业|在营|正常|在册|active)"),
)


def _full(pattern: str) -> re.Pattern:
    return re.compile(pattern.removesuffix("$") + r"\Z")


_RE = {p: _full(p) for p in (DATE_SEPARATED, DATE_COMPACT, ID_18, ID_15, USCC_SHAPE, DIVISION)}
_RE.update({p: _full(p) for p in (MOBILE, LANDLINE, NATIONAL, LOCAL)})


# --- Python reference ------------------------------------------------------------------------------


def _clean(s: str | None) -> str | None:
    """Folded, runs of spaces made one, trimmed; None when nothing is left."""
    if s is None:
        return None
    return re.sub(" +", " ", fold(s)).strip(" ") or None


def standardise_text(s: str | None) -> str | None:
    """Addresses and other free text: half width, one space at a time, trimmed, simplified characters."""
    c = _clean(s)
    return simplify(c) if c else None


def _name_folded(s: str | None) -> str | None:
    if s is None:
        return None
    x = fold(s)
    for dot in chars.MIDDLE_DOT_VARIANTS:
        x = x.replace(dot, chars.MIDDLE_DOT)
    return x.replace(" ", "") or None


def standardise_name(s: str | None) -> str | None:
    """Names: as standardise_text, with no spaces at all and one kind of middle dot (阿依古丽·买买提)."""
    x = _name_folded(s)
    return simplify(x) if x else None


def name_changed_variant(s: str | None) -> bool:
    """True when standardising the name replaced a traditional or variant character."""
    x = _name_folded(s)
    return bool(x) and simplify(x) != x


def _phone_digits(s: str | None) -> str | None:
    if s is None:
        return None
    p = fold(s)
    for ch in PHONE_DROP:
        p = p.replace(ch, "")
    return p or None


def standardise_phone(s: str | None) -> str | None:
    """A mobile (13800138000) or a landline with its area code (075783123456); None when neither."""
    p = _phone_digits(s)
    if p is None:
        return None
    national = p.startswith(("+86", "0086"))
    if national:
        p = p[3:] if p.startswith("+86") else p[4:]
    elif len(p) == 13 and p.startswith("861"):
        p = p[2:]
    if _RE[MOBILE].match(p) or _RE[LANDLINE].match(p):
        return p
    if national and _RE[NATIONAL].match(p):
        return "0" + p
    if not national and _RE[LOCAL].match(p):
        return LOCAL_AREA_CODE + p
    return None


def standardise_gender(s: str | None) -> str | None:
    c = _clean(s)
    c = c.lower() if c else None
    return next((code for code, words in GENDERS.items() if c in words), None)


def standardise_division(s: str | None) -> str | None:
    x = fold(s).replace(" ", "") if s is not None else ""
    return x if _RE[DIVISION].match(x) else None


def standardise_status(s: str | None) -> str | None:
    c = _clean(s)
    if c is None:
        return None
    c = c.lower()
    return next((code for code, pattern in STATUS_PATTERNS if re.search(pattern, c)), None)


def _real_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_date(s: str | None) -> dt.date | None:
    """2021-03-04, 2021/3/4, 20210304, 2021年3月4日, 2021.3.4, with or without a time; None when the
    text is none of these or names no real day (2021-02-30)."""
    c = _clean(s)
    if c is None:
        return None
    m = _RE[DATE_SEPARATED].match(c) or _RE[DATE_COMPACT].match(c)
    return _real_date(int(m[1]), int(m[2]), int(m[3])) if m else None


def govern_date(s: str | None, as_of: dt.date | None = None) -> tuple[dt.date | None, str | None]:
    """(the date, None) or (None, the rule it breaks: date_unparsed | date_out_of_range)."""
    if _clean(s) is None:
        return None, None
    d = parse_date(s)
    if d is None:
        return None, "date_unparsed"
    if d < EARLIEST or (as_of is not None and d > as_of):
        return None, "date_out_of_range"
    return d, None


def id_check_char(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def repair_id_15(s: str) -> str:
    """A 15-digit first-generation number as 18 digits: 19 before the birth year, then the check."""
    if not _RE[ID_15].match(s):
        raise ValueError(f"not a 15-digit ID number: {s!r}")
    body = s[:6] + "19" + s[6:]
    return body + id_check_char(body)


def check_id_number(s: str | None, as_of: dt.date | None = None) -> tuple[str, str | None]:
    """(status, the number to link on or None). Status is one of ID_STATUSES; the birth date must be
    a real day from 1900-01-01 up to as_of (no upper bound when as_of is None)."""
    x = fold(s).replace(" ", "").replace("x", "X") if s is not None else ""
    if not x:
        return "missing", None
    if _RE[ID_18].match(x):
        body = x[:17]
    elif _RE[ID_15].match(x):
        body = x[:6] + "19" + x[6:]
    else:
        return "malformed", None
    birth = _real_date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    if birth is None or birth < EARLIEST or (as_of is not None and birth > as_of):
        return "bad_date", None
    if len(x) == 15:
        return "repaired_15", body + id_check_char(body)
    if id_check_char(body) != x[17]:
        return "bad_checksum", None
    return "valid", x


def uscc_check_char(first17: str) -> str:
    """GB 32100 (MOD 31) check character of the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(s: str | None) -> tuple[str, str | None]:
    """(status, the code to link on or None); status is one of USCC_STATUSES."""
    x = fold(s).replace(" ", "").upper() if s is not None else ""
    if not x:
        return "missing", None
    if not _RE[USCC_SHAPE].match(x):
        return "malformed", None
    if uscc_check_char(x[:17]) != x[17]:
        return "bad_checksum", None
    return "valid", x


# --- SQL -------------------------------------------------------------------------------------------


_ISSUE_TYPE = {
    "duckdb": "STRUCT(field VARCHAR, rule VARCHAR, value VARCHAR)[]",
    "spark": "ARRAY<STRUCT<field: STRING, rule: STRING, value: STRING>>",
}
_STATUS_COLUMNS = {
    "person": {"id_number": "id_status"},
    "enterprise": {"uscc": "uscc_status", "legal_rep_id_number": "legal_rep_id_status"},
}


def govern_sql(kind: str, raw_table: str, mapped_fields: list[str], *, dialect: str = "duckdb") -> str:
    """A SELECT over raw_table producing the governed rows (docs/fusion.md).

    raw_table has `source, record_id, as_of, row_number` and one text column per field in
    mapped_fields. The result has `source, record_id, as_of, row_number`, every canonical field of the
    kind standardised (dates as DATE), the status columns (`id_status`; or `uscc_status` and
    `legal_rep_id_status`), `<field>_raw` for every canonical field (NULL when unmapped) and `issues`.
    """
    chars.check_dialect(dialect)
    if kind not in FIELDS:
        raise ValueError(f"unknown kind {kind!r}; expected person or enterprise")
    fields = FIELDS[kind]
    unknown = sorted(set(mapped_fields) - set(fields))
    if unknown:
        raise ValueError(f"not {kind} fields: {', '.join(unknown)}")
    return _Governed(kind, set(mapped_fields), dialect).sql(raw_table)


class _Query:
    """Columns computed in a chain of CTEs. A column lands one CTE above the deepest column it reads,
    so an expression reads other columns by name and is never pasted into another."""

    def __init__(self, base: list[str]):
        self.level = dict.fromkeys(base, 0)
        self.layers: list[list[str]] = [[]]
        self.floor = 0  # columns added from now on land above this level
        self.joins: dict[int, str] = {}  # level -> a one-row relation joined in that level's CTE

    def add(self, name: str, expr: str, *deps: str) -> str:
        level = 1 + max((self.level[d] for d in deps), default=self.floor)
        level = max(level, self.floor + 1)
        while len(self.layers) <= level:
            self.layers.append([])
        self.layers[level].append(f"{expr} AS {name}")
        self.level[name] = level
        return name

    def sql(self, base_select: str, final: list[str]) -> str:
        ctes = [f"g0 AS ({base_select})"]
        ctes += [
            f"g{k} AS (SELECT *, {', '.join(items)} FROM g{k - 1}{', ' + self.joins[k] if k in self.joins else ''})"
            for k, items in enumerate(self.layers)
            if k
        ]
        return "WITH " + ",\n".join(ctes) + f"\nSELECT {', '.join(final)}\nFROM g{len(self.layers) - 1}"


class _Governed:
    def __init__(self, kind: str, mapped: set[str], dialect: str):
        self.kind, self.mapped, self.d = kind, mapped, dialect
        fields = FIELDS[kind]
        self.q = _Query(["source", "record_id", "as_of", "row_number", *(f"{f}_raw" for f in fields)])
        self.q.add("g_as_of", "year(as_of) * 10000 + month(as_of) * 100 + day(as_of)", "as_of")
        self.out: dict[str, str] = {}  # output column -> its expression (a column name or a NULL)
        self.issues: list[tuple[str, tuple[str, ...], str, str]] = []  # (condition, its columns, field, rule)
        getattr(self, f"_{kind}")()

    # -- helpers

    def lit(self, s: str) -> str:
        return literal(s, self.d)

    def m(self, col: str, pattern: str) -> str:
        return chars.matches(col, pattern, self.d)

    def issue(self, cond: str, deps: tuple[str, ...], field: str, rule: str) -> None:
        if field in self.mapped:
            self.issues.append((cond, deps, field, rule))

    def folded(self, f: str) -> str:
        return self.q.add(f"g_{f}_fold", chars.fold_sql(f"{f}_raw", self.d), f"{f}_raw")

    def idiv(self, a: str, b: int) -> str:
        """Integer division (of non-negative numbers)."""
        return f"({a} div {b})" if self.d == "spark" else f"({a} // {b})"

    def cleaned(self, f: str) -> str:
        x = self.folded(f)
        collapse = (
            f"regexp_replace({x}, ' +', ' ', 'g')"
            if self.d == "duckdb"
            else f"regexp_replace({x}, ' +', ' ')"
        )
        return self.q.add(
            f"g_{f}_clean",
            f"nullif(trim(CASE WHEN instr({x}, '  ') > 0 THEN {collapse} ELSE {x} END), '')",
            x,
        )

    def simplified(self, f: str, pre: str) -> str:
        found = chars.simplify_found_sql(pre, self.d)
        deps = (pre, self.q.add(f"g_{f}_trad", found, pre)) if found else (pre,)
        std = self.q.add(f"g_{f}_std", chars.simplify_sql(pre, deps[-1] if found else None, self.d), *deps)
        table = chars.simplify_table_columns(self.d)
        if table:  # DuckDB: the table as one joined row, from the level that first reads it. Never below
            # the duplicates window: the window would copy its list into every row it sorts.
            level = min([self.q.level[std], *self.q.joins])
            self.q.joins = {level: f"(SELECT {', '.join(table)}) AS g_ts"}
        return std

    @staticmethod
    def real_date(y: str, m: str, d: str) -> str:
        days = (
            f"CASE WHEN {m} IN (4, 6, 9, 11) THEN 30 WHEN {m} = 2 THEN CASE WHEN ({y} % 4 = 0 AND {y} % 100 <> 0) "
            f"OR {y} % 400 = 0 THEN 29 ELSE 28 END ELSE 31 END"
        )
        return f"({y} >= 1 AND {m} BETWEEN 1 AND 12 AND {d} BETWEEN 1 AND {days})"

    # -- fields

    def name(self, f: str) -> None:
        pre = self.q.add(
            f"g_{f}_pre", f"nullif({chars.fold_sql(f'{f}_raw', self.d, name=True)}, '')", f"{f}_raw"
        )
        self.out[f] = std = self.simplified(f, pre)
        if f == "name":
            self.issue(f"{pre} IS NULL", (pre,), f, "'name_missing'")
        self.issue(f"{pre} <> {std}", (pre, std), f, "'name_changed_variant'")

    def text(self, f: str) -> None:
        self.out[f] = self.simplified(f, self.cleaned(f))

    def phone(self) -> None:
        x = expr = self.folded("phone")
        for ch in PHONE_DROP:
            expr = f"replace({expr}, {self.lit(ch)}, '')"
        p1 = self.q.add("g_phone_p1", f"nullif({expr}, '')", x)
        nat = self.q.add(
            "g_phone_national", f"(substr({p1}, 1, 3) = '+86' OR substr({p1}, 1, 4) = '0086')", p1
        )
        p2 = self.q.add(
            "g_phone_p2",
            f"CASE WHEN substr({p1}, 1, 3) = '+86' THEN substr({p1}, 4) WHEN substr({p1}, 1, 4) = '0086' "
            f"THEN substr({p1}, 5) WHEN length({p1}) = 13 AND substr({p1}, 1, 3) = '861' THEN substr({p1}, 3) "
            f"ELSE {p1} END",
            p1,
        )
        self.out["phone"] = phone = self.q.add(
            "g_phone",
            f"CASE WHEN {self.m(p2, MOBILE)} OR {self.m(p2, LANDLINE)} THEN {p2} "
            f"WHEN {nat} AND {self.m(p2, NATIONAL)} THEN '0' || {p2} "
            f"WHEN NOT {nat} AND {self.m(p2, LOCAL)} THEN '{LOCAL_AREA_CODE}' || {p2} END",
            p2,
            nat,
        )
        self.issue(f"{p1} IS NOT NULL AND {phone} IS NULL", (p1, phone), "phone", "'phone_invalid'")

    def gender(self) -> None:
        c = self.cleaned("gender")
        lc = self.q.add("g_gender_lc", f"lower({c})", c)
        cases = " ".join(
            f"WHEN {lc} IN ({', '.join(self.lit(w) for w in words)}) THEN '{code}'"
            for code, words in GENDERS.items()
        )
        self.out["gender"] = g = self.q.add("g_gender", f"CASE {cases} END", lc)
        self.issue(f"{lc} IS NOT NULL AND {g} IS NULL", (lc, g), "gender", "'gender_unknown'")

    def date(self, f: str) -> None:
        c = self.cleaned(f)
        sep, compact = self.lit(DATE_SEPARATED), self.lit(DATE_COMPACT)
        if self.d == "duckdb":  # one regular expression gives all three parts
            p = self.q.add(f"g_{f}_parts", f"regexp_extract({c}, {sep}, ['y', 'm', 'd'])", c)
            parts = [(f"{p}.{k}", p) for k in "ymd"]
        else:
            parts = [(f"regexp_extract({c}, {sep}, {i})", c) for i in (1, 2, 3)]
        y, m, d = (
            self.q.add(
                f"g_{f}_{k}",
                f"CAST(coalesce(nullif({part}, ''), nullif(regexp_extract({c}, {compact}, {i}), '')) AS INT)",
                c,
                dep,
            )
            for i, (k, (part, dep)) in enumerate(zip("ymd", parts, strict=True), 1)
        )
        ymd = f"({y} * 10000 + {m} * 100 + {d})"
        rule = self.q.add(
            f"g_{f}_rule",
            f"CASE WHEN {c} IS NULL THEN NULL WHEN {y} IS NULL OR NOT {self.real_date(y, m, d)} THEN 'date_unparsed' "
            f"WHEN {ymd} < 19000101 OR {ymd} > g_as_of THEN 'date_out_of_range' END",
            c,
            y,
            m,
            d,
            "g_as_of",
        )
        self.out[f] = self.q.add(
            f"g_{f}",
            f"CASE WHEN {c} IS NOT NULL AND {rule} IS NULL THEN make_date({y}, {m}, {d}) END",
            c,
            rule,
            y,
            m,
            d,
        )
        self.issue(f"{rule} IS NOT NULL", (rule,), f, rule)

    def id_number(self, f: str) -> tuple[str, str]:
        """GB 11643; returns the columns of the embedded birth date and sex (NULL unless usable)."""
        x0 = self.folded(f)
        x = self.q.add(f"g_{f}_x", f"nullif(replace(replace({x0}, ' ', ''), 'x', 'X'), '')", x0)
        body = self.q.add(
            f"g_{f}_body",
            f"CASE WHEN {self.m(x, ID_18)} THEN substr({x}, 1, 17) "
            f"WHEN {self.m(x, ID_15)} THEN substr({x}, 1, 6) || '19' || substr({x}, 7, 9) END",
            x,
        )
        # three numbers (area, birth date, sequence) instead of seventeen digits: integers are cheap
        area, birth, seq = (
            self.q.add(f"g_{f}_{part}", f"CAST(substr({body}, {pos}, {n}) AS INT)", body)
            for part, pos, n in (("area", 1, 6), ("ymd", 7, 8), ("seq", 15, 3))
        )
        digits = [
            f"{self.idiv(number, 10 ** (width - 1 - k))} % 10"
            for number, width in ((area, 6), (birth, 8), (seq, 3))
            for k in range(width)
        ]
        total = " + ".join(f"{digit} * {w}" for digit, w in zip(digits, ID_WEIGHTS, strict=True))
        check = self.q.add(f"g_{f}_check", f"substr('{ID_CHECK}', ({total}) % 11 + 1, 1)", area, birth, seq)
        y, m, d = (
            self.q.add(f"g_{f}_{part}", expr, birth)
            for part, expr in (
                ("y", self.idiv(birth, 10000)),
                ("m", f"{self.idiv(birth, 100)} % 100"),
                ("d", f"{birth} % 100"),
            )
        )
        ymd = f"({y} * 10000 + {m} * 100 + {d})"
        in_range = f"{ymd} >= 19000101 AND (g_as_of IS NULL OR {ymd} <= g_as_of)"
        status = self.q.add(
            f"g_{_STATUS_COLUMNS[self.kind][f]}",
            f"CASE WHEN {x} IS NULL THEN 'missing' WHEN {body} IS NULL THEN 'malformed' "
            f"WHEN NOT ({self.real_date(y, m, d)} AND {in_range}) THEN 'bad_date' "
            f"WHEN length({x}) = 15 THEN 'repaired_15' "
            f"WHEN {check} <> substr({x}, 18, 1) THEN 'bad_checksum' ELSE 'valid' END",
            *(x, body, y, m, d, check, "g_as_of"),
        )
        self.out[f] = self.q.add(
            f"g_{f}",
            f"CASE {status} WHEN 'valid' THEN {x} WHEN 'repaired_15' THEN {body} || {check} END",
            status,
            x,
            body,
            check,
        )
        self.out[_STATUS_COLUMNS[self.kind][f]] = status
        self.issue(f"{status} <> 'valid'", (status,), f, f"'id_' || {status}")
        usable = f"{status} IN ('valid', 'repaired_15')"
        birth = self.q.add(
            f"g_{f}_birth", f"CASE WHEN {usable} THEN make_date({y}, {m}, {d}) END", status, y, m, d
        )
        sex = self.q.add(
            f"g_{f}_sex",
            f"CASE WHEN {usable} THEN CASE WHEN {seq} % 2 = 1 THEN 'M' ELSE 'F' END END",
            status,
            seq,
        )
        return birth, sex

    def uscc(self) -> None:
        x0 = self.folded("uscc")
        x = self.q.add("g_uscc_x", f"nullif(upper(replace({x0}, ' ', '')), '')", x0)
        total = " + ".join(
            f"(instr('{USCC_ALPHABET}', substr({x}, {i}, 1)) - 1) * {w}"
            for i, w in enumerate(USCC_WEIGHTS, 1)
        )
        check = self.q.add(
            "g_uscc_check",
            f"CASE WHEN {self.m(x, USCC_SHAPE)} THEN substr('{USCC_ALPHABET}', (31 - ({total}) % 31) % 31 + 1, 1) END",
            x,
        )
        status = self.q.add(
            "g_uscc_status",
            f"CASE WHEN {x} IS NULL THEN 'missing' WHEN {check} IS NULL THEN 'malformed' "
            f"WHEN {check} <> substr({x}, 18, 1) THEN 'bad_checksum' ELSE 'valid' END",
            x,
            check,
        )
        self.out["uscc"] = self.q.add("g_uscc", f"CASE WHEN {status} = 'valid' THEN {x} END", status, x)
        self.out["uscc_status"] = status
        self.issue(f"{status} <> 'valid'", (status,), "uscc", f"'uscc_' || {status}")

    def division(self) -> None:
        x0 = self.folded("division_code")
        x = self.q.add("g_division_x", f"nullif(replace({x0}, ' ', ''), '')", x0)
        self.out["division_code"] = div = self.q.add(
            "g_division_code", f"CASE WHEN {self.m(x, DIVISION)} THEN {x} END", x
        )
        self.issue(f"{x} IS NOT NULL AND {div} IS NULL", (x, div), "division_code", "'division_unknown'")

    def status(self) -> None:
        c = self.cleaned("status")
        lc = self.q.add("g_status_lc", f"lower({c})", c)
        cases = " ".join(f"WHEN {self.m(lc, p)} THEN '{code}'" for code, p in STATUS_PATTERNS)
        self.out["status"] = st = self.q.add("g_status", f"CASE {cases} END", lc)
        self.issue(f"{lc} IS NOT NULL AND {st} IS NULL", (lc, st), "status", "'status_unknown'")

    def duplicates(self, key: str) -> None:
        assert not self.q.joins, "the duplicates window must come before the character table is joined"
        col = self.out[key]
        dup = self.q.add(
            f"g_{key}_dup",
            f"CASE WHEN {col} IS NOT NULL THEN row_number() OVER (PARTITION BY source, {col} ORDER BY row_number, record_id) END",
            col,
        )
        self.issue(f"{dup} > 1", (dup,), key, "'duplicate_in_source'")
        # The window sorts every column alive at its level: let the other fields come after it, so
        # that it carries the raw values and not every intermediate column as well.
        self.q.floor = self.q.level[dup]

    def mismatch(self, field: str, own: str, embedded: str, rule: str) -> None:
        if "id_number" in self.mapped:
            self.issue(f"{own} <> {embedded}", (own, embedded), field, f"'{rule}'")

    # -- kinds: issues are listed in this order

    def _person(self) -> None:
        birth = sex = None
        if "id_number" in self.mapped:
            birth, sex = self.id_number("id_number")
            self.duplicates("id_number")
        if "name" in self.mapped:
            self.name("name")
        if "gender" in self.mapped:
            self.gender()
            if sex:
                self.mismatch("gender", self.out["gender"], sex, "id_gender_mismatch")
        if "birth_date" in self.mapped:
            self.date("birth_date")
            if birth:
                self.mismatch("birth_date", self.out["birth_date"], birth, "id_birth_mismatch")
        if "phone" in self.mapped:
            self.phone()
        if "address" in self.mapped:
            self.text("address")
        if "division_code" in self.mapped:
            self.division()

    def _enterprise(self) -> None:
        if "uscc" in self.mapped:
            self.uscc()
            self.duplicates("uscc")
        if "name" in self.mapped:
            self.name("name")
        if "legal_rep_id_number" in self.mapped:
            self.id_number("legal_rep_id_number")
        if "legal_rep_name" in self.mapped:
            self.name("legal_rep_name")
        if "address" in self.mapped:
            self.text("address")
        if "established_date" in self.mapped:
            self.date("established_date")
        if "status" in self.mapped:
            self.status()

    # -- the query

    def issues_expr(self) -> tuple[str, tuple[str, ...]]:
        empty = f"CAST({'array()' if self.d == 'spark' else '[]'} AS {_ISSUE_TYPE[self.d]})"
        if not self.issues:
            return empty, ()
        items, deps = [], []
        for cond, cols, field, rule in self.issues:
            value = f"{field}_raw"
            if self.d == "spark":
                item = f"named_struct('field', '{field}', 'rule', {rule}, 'value', {value})"
            else:
                item = f"struct_pack(field := '{field}', rule := {rule}, value := {value})"
            items.append(f"CASE WHEN {cond} THEN {item} END")
            deps += cols
        if self.d == "spark":
            return f"filter(array({', '.join(items)}), i -> i IS NOT NULL)", tuple(deps)
        return f"list_filter([{', '.join(items)}], lambda i: i IS NOT NULL)", tuple(deps)

    def sql(self, raw_table: str) -> str:
        fields = FIELDS[self.kind]
        base = [
            "CAST(source AS STRING) AS source",
            "CAST(record_id AS STRING) AS record_id",
            "CAST(as_of AS DATE) AS as_of",
            "CAST(row_number AS BIGINT) AS row_number",
            *(f"CAST({f if f in self.mapped else 'NULL'} AS STRING) AS {f}_raw" for f in fields),
        ]
        expr, deps = self.issues_expr()
        issues = self.q.add("g_issues", expr, *deps)
        final = ["source", "record_id", "as_of", "row_number"]
        for f in fields:
            typ = "DATE" if f in DATE_FIELDS else "STRING"
            final.append(f"{self.out.get(f, f'CAST(NULL AS {typ})')} AS {f}")
        for status in _STATUS_COLUMNS[self.kind].values():
            final.append(f"{self.out.get(status, repr('missing'))} AS {status}")
        final += [f"{f}_raw" for f in fields]
        final.append(f"{issues} AS issues")
        return self.q.sql(f"SELECT {', '.join(base)} FROM {raw_table}", final)
