"""Character tables of the govern stage, and how each is applied in Python and in SQL.

Every table has two readers that must agree: `str.translate` in the Python reference functions and
SQL (`translate()` and friends) in `govern.govern_sql`. The SQL differs per dialect where an engine
would be slow, never in what it computes:

* Spark caches the map of a `translate()` whose arguments are literals, so one big `translate()` is
  cheap there. DuckDB rebuilds that map for every row (about 0.2 µs per entry: 700 µs a row for the
  three thousand traditional characters), so DuckDB first asks a regular expression whether a value
  holds any character of the table at all, and then translates only the characters it found, each
  looked up by code point in a list that one joined row carries.
* Regular expressions use no backslash classes (`[0-9]`, not `\\d`) and are anchored where the
  whole value must match: DuckDB's RE2 and Spark's java.util.regex then read them alike.
"""

from __future__ import annotations

import functools

DIALECTS = ("duckdb", "spark")

# Full width ASCII (U+FF01..U+FF5E) -> ASCII, as NFKC does; U+3000 is among SPACES.
FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
HALFWIDTH = "".join(chr(c) for c in range(0x21, 0x7F))
# Every kind of space -> " " (ideographic, no-break, the typographic spaces, line breaks, tabs).
SPACES = (
    "\t\n\x0b\x0c\r\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# Invisible characters that are simply dropped.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# The middle dot of minority and foreign names (阿依古丽·买买提) and the look-alikes typed for it.
MIDDLE_DOT = "\u00b7"
MIDDLE_DOT_VARIANTS = "\u2022\u30fb\uff65\u2027\u2219\u22c5\u0387"

# Variant forms (异体字, mostly from the 第一批异体字整理表) that OpenCC's t2s leaves alone or maps to
# another variant. 峯羣綫裏 are in OpenCC already; listed so the table says what we rely on.
VARIANTS = dict(
    zip(
        "衞峯羣綫裏敍淸靑緖甁槪鄕氷凖囘廻粧菓寳峩隣汚塲擧擕朶栢椶氊疎穉緜衹覩鬪鬭麤劒吿呑壻夀妬愼戱搾曡棃椀槩"
        "犂畧窰箒緐缾臯艸蕋虵躭輭鞵韈顋飃鵞鶏麁齩悞煖銲醻賸",
        "卫峰群线里叙清青绪瓶概乡冰准回回妆果宝峨邻污场举携朵柏棕毡疏稚绵只睹斗斗粗剑告吞婿寿妒慎戏榨叠梨碗概"
        "犁略窑帚繁瓶皋草蕊蛇耽软鞋袜腮飘鹅鸡粗咬误暖焊酬剩",
        strict=True,
    )
)
# Characters t2s would change that the 通用规范汉字表 (2013) keeps as standard, chiefly in names:
# 乾 (乾坤, the surname Qián), 於 (surname), 徵 (宫商角徵羽), 麴 (surname), 昇 and 榘 (given names).
# 喆 is not a variant of 哲 either; t2s leaves it alone and so do we.
KEEP = "乾於徵麴昇榘"

# CJK Unified Ideographs (basic block) and CJK Compatibility Ideographs: the characters converted.
_BLOCKS = ((0x4E00, 0xA000), (0xF900, 0xFB00))


def _is_unified(ch: str) -> bool:
    return 0x4E00 <= ord(ch) < 0xA000


@functools.cache
def traditional_map() -> dict[str, str]:
    """Traditional and variant character -> simplified, one character to one, sorted by code point.

    Built once from OpenCC's t2s, character by character (phrases do not apply to single characters),
    keeping only targets in the basic CJK block (no "tofu" from the extension blocks), then VARIANTS
    on top, minus KEEP, with chains resolved so that no target is itself converted again.
    """
    import opencc  # only here: importing it loads the dictionaries' library

    chars = [chr(c) for lo, hi in _BLOCKS for c in range(lo, hi)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC t2s changed the number of lines; cannot build the character map")
    table = {s: t for s, t in zip(chars, converted, strict=True) if len(t) == 1 and t != s and _is_unified(t)}
    table.update(VARIANTS)
    for ch in KEEP:
        table.pop(ch, None)
    resolved = {}
    for src, dst in table.items():
        seen = {src}
        while dst in table and dst not in seen:
            seen.add(dst)
            dst = table[dst]
        if dst != src:
            resolved[src] = dst
    return dict(sorted(resolved.items()))


@functools.cache
def fold_table() -> dict[int, int | None]:
    """`str.translate` table: full width -> half width, every space -> " ", zero width dropped."""
    table: dict[int, int | None] = {ord(f): ord(h) for f, h in zip(FULLWIDTH, HALFWIDTH, strict=True)}
    table.update({ord(c): ord(" ") for c in SPACES})
    table.update({ord(c): None for c in ZERO_WIDTH})
    return table


@functools.cache
def simplify_table() -> dict[int, int]:
    return {ord(s): ord(t) for s, t in traditional_map().items()}


def fold(s: str) -> str:
    return s.translate(fold_table())


def simplify(s: str) -> str:
    return s.translate(simplify_table())


# --- SQL -------------------------------------------------------------------------------------------


def check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")


def literal(s: str, dialect: str) -> str:
    """A string literal. Spark reads backslash escapes, DuckDB does not; both read '' as one quote."""
    if dialect == "spark":
        body = "".join(
            "\\\\" if c == "\\" else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF and not c.isprintable() else c
            for c in s
        )
        return "'" + body.replace("'", "''") + "'"
    return "'" + s.replace("'", "''") + "'"


def matches(expr: str, pattern: str, dialect: str) -> str:
    """True when the regular expression finds a match anywhere in expr (anchor it for a full match)."""
    return (
        f"({expr} RLIKE {literal(pattern, dialect)})"
        if dialect == "spark"
        else (f"regexp_matches({expr}, {literal(pattern, dialect)})")
    )


def char_class(chars: str) -> str:
    """A regex class of these characters (none of them may be \\, ], ^ or -)."""
    assert not set(chars) & set("\\]^-"), chars
    return "[" + chars + "]"


def fold_sql(col: str, dialect: str, *, name: bool = False) -> str:
    """fold() of column `col` in SQL; with name=True also one kind of middle dot and no spaces at all
    (one translate instead of three steps). DuckDB translates only values that need it."""
    if name:
        src = FULLWIDTH + MIDDLE_DOT_VARIANTS + SPACES + ZERO_WIDTH + " "
        dst = HALFWIDTH + MIDDLE_DOT * len(MIDDLE_DOT_VARIANTS)
    else:
        src, dst = FULLWIDTH + SPACES + ZERO_WIDTH, HALFWIDTH + " " * len(SPACES)
    translated = f"translate({col}, {literal(src, dialect)}, {literal(dst, dialect)})"
    if dialect == "spark":
        return translated
    cls = literal(f"[{FULLWIDTH[0]}-{FULLWIDTH[-1]}{src[len(FULLWIDTH) :]}]", dialect)
    return f"CASE WHEN regexp_matches({col}, {cls}) THEN {translated} ELSE {col} END"


# DuckDB: how many distinct traditional characters one value may hold and still be converted by
# looking each one up; a value with more pays for one translate() over the whole table.
SIMPLIFY_SLOTS = 10


def simplify_table_columns(dialect: str) -> list[str]:
    """DuckDB: select items of a one-row relation that carries the table, joined to every row so that
    a lookup names a column instead of repeating the table (a constant in a projection would be built
    again for every vector): `g_ts_by_code`, the simplified form of every character of _BLOCKS by
    code point, and `g_ts_f`/`g_ts_t`, the table itself."""
    if dialect == "spark":
        return []
    table = traditional_map()
    by_code = "".join(table.get(chr(c), chr(c)) for lo, hi in _BLOCKS for c in range(lo, hi))
    return [
        f"string_split({literal(by_code, dialect)}, '') AS g_ts_by_code",
        f"{literal(''.join(table), dialect)} AS g_ts_f",
        f"{literal(''.join(table.values()), dialect)} AS g_ts_t",
    ]


def simplify_found_sql(value: str, dialect: str) -> str | None:
    """DuckDB: the distinct traditional characters in column `value` (NULL when none), a column that
    simplify_sql() reads. Spark needs no such column: None."""
    if dialect == "spark":
        return None
    cls = literal(char_class("".join(traditional_map())), dialect)
    return (
        f"CASE WHEN regexp_matches({value}, {cls}) THEN list_distinct(regexp_extract_all({value}, {cls})) END"
    )


def simplify_sql(value: str, found: str | None, dialect: str) -> str:
    """simplify() of column `value` in SQL; `found` is the column simplify_found_sql() made.

    Spark: one translate() (its map is built once). DuckDB: translate() with only the characters found
    and their simplified forms, each looked up by code point in g_ts_by_code."""
    if dialect == "spark":
        table = traditional_map()
        src, dst = literal("".join(table), dialect), literal("".join(table.values()), dialect)
        return f"translate({value}, {src}, {dst})"
    (lo0, hi0), (lo1, _) = _BLOCKS
    lookups = " || ".join(
        f"CASE WHEN len({found}) >= {i} THEN g_ts_by_code[CASE WHEN unicode({found}[{i}]) >= {lo1} "
        f"THEN unicode({found}[{i}]) - {lo1 - (hi0 - lo0) - 1} ELSE unicode({found}[{i}]) - {lo0 - 1} END] ELSE '' END"
        for i in range(1, SIMPLIFY_SLOTS + 1)
    )
    return (
        f"CASE WHEN {found} IS NULL THEN {value} "
        f"WHEN len({found}) <= {SIMPLIFY_SLOTS} THEN translate({value}, array_to_string({found}, ''), {lookups}) "
        f"ELSE translate({value}, g_ts_f, g_ts_t) END"
    )
