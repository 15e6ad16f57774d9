"""The population behind the fusion demo: households of Chancheng with valid ID numbers, and the
enterprises they run with valid credit codes. Everything is a numpy column; text is rendered with
pyarrow compute, so 1.2 million persons take seconds, not minutes.

Locals live in households of every shape (elderly alone, couples, families, three generations); the
47 % migrants (56.8万 of 120万 in Chancheng) in smaller, younger ones. ID numbers carry the birthplace
code of first registration: locals born before 2002 mostly the old 城区/石湾区/南海市 codes, later ones
440604; migrants another province's code. Ages are relative to REFERENCE so the data does not drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yimen.demo import pools

REFERENCE = np.datetime64("2026-11-01", "D")
MIGRANT_SHARE = 568_000 / 1_200_000
PERSONS_PER_ENTERPRISE = 7.5
DEATH_WINDOW = (np.datetime64("2025-01-01", "D"), np.datetime64("2026-10-31", "D"))
DIVISIONS = Path(__file__).resolve().parents[1] / "places" / "reference" / "foshan-4406-2021.json"

ID_CHECK = "10X98765432"
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])

# Simplified -> traditional or variant form, for the commonest characters of names and addresses here.
TRADITIONAL = dict(
    zip(
        "陈黄刘张罗吴冯区谭杨邓郑卢苏叶钟谢关简欧阳严钱韦赵孙马邹温麦伟强军辉华杰涛轩泽铭锦荣国栋东汉坚灿丽静颖诗晓凤洁红兰莹乐宁峰号禅湾门庙岭镇广园兴龙庄丰",
        "陳黃劉張羅吳馮區譚楊鄧鄭盧蘇葉鍾謝關簡歐陽嚴錢韋趙孫馬鄒溫麥偉強軍輝華傑濤軒澤銘錦榮國棟東漢堅燦麗靜穎詩曉鳳潔紅蘭瑩樂寧峯號禪灣門廟嶺鎮廣園興龍莊豐",
        strict=True,
    )
)
TO_TRADITIONAL = str.maketrans(TRADITIONAL)
TO_FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})

# (weight, head age lo, hi, has spouse, max children, max grandparents)
# Locals: elderly alone, elderly couple, young couple, empty nest, family, three generations, single
# parent, single adult. Migrants: single, couple, family (children mostly stay in the home town).
LOCAL_HOUSEHOLDS = [(6, 65, 98, 0, 0, 0), (9, 60, 92, 1, 0, 0), (8, 23, 35, 1, 0, 0), (12, 45, 66, 1, 0, 0)]
LOCAL_HOUSEHOLDS += [(34, 28, 58, 1, 3, 0), (20, 30, 50, 1, 3, 2), (5, 28, 50, 0, 3, 0), (8, 20, 60, 0, 0, 0)]
MIGRANT_HOUSEHOLDS = [(48, 18, 55, 0, 0, 0), (30, 20, 55, 1, 0, 0), (22, 24, 48, 1, 2, 0)]
MOBILE_PREFIXES = [
    int(p)
    for p in [
        "130",
        "131",
        "132",
        "133",
        "134",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "153",
        "155",
        "156",
    ]
]
MOBILE_PREFIXES += [
    int(p)
    for p in [
        "157",
        "158",
        "159",
        "166",
        "176",
        "177",
        "178",
        "180",
        "181",
        "182",
        "183",
        "185",
        "186",
        "187",
        "188",
        "189",
        "199",
    ]
]
STREET_WEIGHT = {"440604012": 1.5, "440604010": 1.2, "440604011": 1.0, "440604100": 0.8}


# --- text helpers (pyarrow) ------------------------------------------------------------------------------
def text(values) -> pa.Array:
    return pa.array(list(values), pa.string())


def join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def num(values, width: int = 0) -> pa.Array:
    s = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(s, width=width, padding="0") if width else s


def date_text(days, fmt: str) -> pa.Array:
    """Days since 1970 -> text as a department writes it: iso 2021-03-04, slash 2021/3/4, compact 20210304,
    cn 2021年3月4日, dot 2021.3.4."""
    d = np.asarray(days).astype("datetime64[D]")
    if len(d) > 4096:  # many rows, fewer distinct days: render each day once
        unique, inverse = np.unique(d, return_inverse=True)
        if len(unique) < len(d) // 2:
            return _date_text(unique, fmt).take(inverse)
    return _date_text(d, fmt)


def _date_text(d: np.ndarray, fmt: str) -> pa.Array:
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    if fmt == "iso":
        return join(num(y), "-", num(m, 2), "-", num(dd, 2))
    if fmt == "compact":
        return num(y * 10000 + m * 100 + dd)
    a, b, c = {"slash": ("/", "/", ""), "dot": (".", ".", ""), "cn": ("年", "月", "日")}[fmt]
    return join(num(y), a, num(m), b, num(dd), c)


PHONE_PATTERNS = {  # format -> (mobile, landline); # stands for the next digit
    "plain": ("###########", "0757-########"),
    "spaced": ("### #### ####", "0757-#### ####"),
    "intl": ("+86-###########", "+86-757-########"),
    "dashed": ("###-####-####", "(0757)########"),
}


def phone_text(mobile: np.ndarray, landline: np.ndarray, fmt: str) -> pa.Array:
    """Mobile (11 digits) if any, else the 0757 landline (8 digits), else null, as PHONE_PATTERNS[fmt]
    has it: 13800138000 / 0757-83123456, 138 0013 8000 / 0757-8312 3456, +86-13800138000, 138-0013-8000."""
    mob, land = (
        digit_pattern(values, pattern)
        for values, pattern in zip((mobile, landline), PHONE_PATTERNS[fmt], strict=True)
    )
    none = pa.scalar(None, pa.string())
    return pc.if_else(pa.array(mobile > 0), mob, pc.if_else(pa.array(landline > 0), land, none))


def digit_pattern(values: np.ndarray, pattern: str) -> pa.Array:
    """Numbers laid into an ASCII pattern, '#' taking the digits in order: fixed width, no Python loop."""
    slots = [i for i, c in enumerate(pattern) if c == "#"]
    codes = np.empty((len(values), len(pattern)), np.uint8)
    codes[:] = np.frombuffer(pattern.encode("ascii"), np.uint8)
    codes[:, slots] = body_digits(values, len(slots)) + ord("0")
    return fixed_text(codes)


def weighted(rng: np.random.Generator, pairs, size: int) -> np.ndarray:
    """Draw `size` values from [(value, weight)]."""
    values, weights = zip(*pairs, strict=True)
    p = np.asarray(weights, dtype=float)
    return np.asarray(values)[rng.choice(len(values), size, p=p / p.sum())]


def check_chars(digits: np.ndarray) -> np.ndarray:
    """GB 11643 MOD 11-2 check index into ID_CHECK for an (n, 17) digit matrix."""
    return (digits.astype(np.int64) @ ID_WEIGHTS) % 11


def body_digits(body: np.ndarray, width: int = 17) -> np.ndarray:
    out = np.empty((len(body), width), np.int8)
    v = np.asarray(body, dtype=np.int64).copy()
    for i in range(width - 1, -1, -1):
        v, out[:, i] = np.divmod(v, 10)
    return out


def unique_draw(rng: np.random.Generator, low: int, high: int, size: int) -> np.ndarray:
    """`size` distinct integers in [low, high), in random order."""
    out = _distinct(rng.integers(low, high, size + size // 20 + 16))
    while len(out) < size:
        out = _distinct(np.concatenate([out, rng.integers(low, high, size)]))
    return rng.permutation(out)[:size]


def _distinct(values: np.ndarray) -> np.ndarray:
    v = np.sort(values)
    return v[np.r_[True, v[1:] != v[:-1]]]


# --- places ----------------------------------------------------------------------------------------------
@dataclass
class Places:
    """The villages/communities of Chancheng (2021 statistical codes) and their roads."""

    street: list[str] = field(default_factory=list)  # street code per village
    street_name: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)  # 12-digit village code
    label: list[str] = field(default_factory=list)  # 澜石社区 / 石头村
    weight: list[float] = field(default_factory=list)

    @classmethod
    def load(cls) -> Places:
        tree = json.loads(DIVISIONS.read_text(encoding="utf-8"))
        places = cls()
        for street, street_name in sorted(tree["440604"].items()):
            for code, name in sorted(tree[street].items()):
                label = name.removesuffix("社区居委会").removesuffix("村民委员会")
                label += "社区" if name.endswith("社区居委会") else "村"
                places.street.append(street)
                places.street_name.append(street_name)
                places.code.append(code)
                places.label.append(label)
                places.weight.append(STREET_WEIGHT[street])
        return places

    def pick(self, rng: np.random.Generator, size: int) -> np.ndarray:
        p = np.asarray(self.weight)
        return rng.choice(len(p), size, p=p / p.sum())

    def address(self, rng: np.random.Generator, village: np.ndarray, *, business: bool = False) -> pa.Array:
        """石湾镇街道澜石社区江湾一路23号金海花园5座1203房 (or a plain street number, 首层 for shops)."""
        streets = sorted(pools.ROADS)
        roads = [r for s in streets for r in pools.ROADS[s]]
        first = np.cumsum([0] + [len(pools.ROADS[s]) for s in streets])[:-1]
        count = np.array([len(pools.ROADS[s]) for s in streets])
        s_idx = np.array([streets.index(s) for s in self.street])[village]
        road = first[s_idx] + (rng.random(len(village)) * count[s_idx]).astype(np.int64)
        n = len(village)
        head = join(
            text(self.street_name).take(village),
            text(self.label).take(village),
            text(roads).take(road),
            num(rng.integers(1, 381, n)),
            "号",
        )
        if business:
            return join(head, pc.if_else(pa.array(rng.random(n) < 0.5), "首层", "之一"))
        estate = join(
            text(pools.ESTATE_WORDS).take(rng.integers(0, len(pools.ESTATE_WORDS), n)),
            text(pools.ESTATES).take(rng.integers(0, len(pools.ESTATES), n)),
            num(rng.integers(1, 25, n)),
            "座",
            num(rng.integers(1, 33, n)),
            num(rng.integers(1, 9, n), 2),
            "房",
        )
        return join(head, pc.if_else(pa.array(rng.random(n) < 0.6), estate, ""))


# --- persons ---------------------------------------------------------------------------------------------
SURNAMES = [s for s, _ in pools.SURNAMES]
GIVEN = [*pools.MALE_CHARS, *pools.FEMALE_CHARS, *pools.NEUTRAL_CHARS, ""]  # "" for one-character given names
_M, _F, _N = len(pools.MALE_CHARS), len(pools.FEMALE_CHARS), len(pools.NEUTRAL_CHARS)


@dataclass
class People:
    """One row per person (index = pid; true entity P{pid+1:07d}); households by index `hh`."""

    places: Places
    hh: np.ndarray  # household index
    role: np.ndarray  # 0 head, 1 spouse, 2 child, 3 grandparent
    local: np.ndarray  # hukou in Chancheng
    male: np.ndarray
    birth: np.ndarray  # datetime64[D]
    area: np.ndarray  # 6-digit address code of the ID number
    seq: np.ndarray  # 3-digit sequence (odd for men)
    surname: np.ndarray
    given1: np.ndarray  # index into GIVEN ("" for single-character given names)
    given2: np.ndarray
    mobile: np.ndarray  # 11 digits or 0
    death: np.ndarray  # datetime64[D], NaT when alive
    hh_village: np.ndarray  # per household: village index (current)
    hh_moved: np.ndarray  # per household: moved in 2024-2026
    hh_move_date: np.ndarray
    hh_prev_village: np.ndarray
    hh_address: pa.Array
    hh_prev_address: pa.Array
    hh_landline: np.ndarray  # 8 digits or 0

    @property
    def n(self) -> int:
        return len(self.hh)

    def age(self, on: np.datetime64 = REFERENCE) -> np.ndarray:
        return ((on - self.birth).astype(np.int64) // 365.25).astype(np.int64)

    @cached_property
    def id_body(self) -> np.ndarray:
        return self.area * 10**11 + _yyyymmdd(self.birth) * 1000 + self.seq

    @cached_property
    def id_check(self) -> np.ndarray:
        return check_chars(body_digits(self.id_body))

    @cached_property
    def id_text(self) -> pa.Array:
        return join(num(self.id_body), text(ID_CHECK).take(self.id_check))

    def id15_text(self, pid: np.ndarray) -> pa.Array:
        """First-generation 15-digit number: no century, no check character."""
        return num(self.area[pid] * 10**9 + (_yyyymmdd(self.birth[pid]) % 1_000_000) * 1000 + self.seq[pid])

    def name_text(self, pid=None, *, traditional: bool = False, space: bool = False) -> pa.Array:
        """陈大文; `traditional` 陳大文; `space` 陈 大文."""
        pid = slice(None) if pid is None else pid
        table = (lambda xs: text(x.translate(TO_TRADITIONAL) for x in xs)) if traditional else text
        given = table(GIVEN)
        parts = [
            table(SURNAMES).take(self.surname[pid]),
            given.take(self.given1[pid]),
            given.take(self.given2[pid]),
        ]
        if space:
            parts.insert(1, " ")
        return join(*parts)

    @cached_property
    def name_has_traditional(self) -> np.ndarray:
        sur = np.array([s.translate(TO_TRADITIONAL) != s for s in SURNAMES])
        giv = np.array([c in TRADITIONAL for c in GIVEN])  # "" is not
        return sur[self.surname] | giv[self.given1] | giv[self.given2]

    def phone_text(self, fmt: str, pid=None) -> pa.Array:
        pid = slice(None) if pid is None else pid
        return phone_text(self.mobile[pid], self.hh_landline[self.hh[pid]], fmt)


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return y * 10000 + m * 100 + (d - d.astype("datetime64[M]")).astype(np.int64) + 1


def _households(rng: np.random.Generator, kinds, target: int):
    """Households of the given kinds filling exactly `target` persons (the last one may be cut)."""
    if target == 0:
        return (np.zeros(0, np.int64),) * 6
    w, lo, hi, spouse, max_child, max_elder = (np.array(c) for c in zip(*kinds, strict=True))
    mean = (w * (1 + spouse + 1.6 * (max_child > 0) + 1.5 * (max_elder > 0))).sum() / w.sum()
    count = int(target / mean * 1.2) + 8
    while True:
        t = rng.choice(len(w), count, p=w / w.sum())
        head_age = rng.integers(lo[t], hi[t] + 1)
        kids = np.minimum(rng.choice([1, 2, 3], count, p=[0.55, 0.38, 0.07]), max_child[t])
        kids = np.where(head_age < 22, 0, kids)
        elders = np.where(max_elder[t] > 0, rng.binomial(2, 0.75, count), 0)
        size = 1 + spouse[t] + kids + elders
        if size.sum() >= target:
            break
        count *= 2
    cum = np.cumsum(size)
    h = int(np.searchsorted(cum, target)) + 1
    size = size[:h].copy()
    size[-1] -= cum[h - 1] - target
    return size, head_age[:h], spouse[t][:h], kids[:h], elders[:h], lo[t][:h]


def _members(rng: np.random.Generator, sizes, head_age, spouse, kids, elders, lo):
    """Per person: household, role, gender, age (years) and whose surname it follows."""
    n, hcount = int(sizes.sum()), len(sizes)
    hh = np.repeat(np.arange(hcount), sizes)
    slot = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    sp, kd, ha = spouse[hh], kids[hh], head_age[hh]
    role = np.select([slot == 0, slot < 1 + sp, slot < 1 + sp + kd], [0, 1, 2], 3)
    head_male = np.where(spouse == 1, rng.random(hcount) < 0.92, rng.random(hcount) < 0.5)[hh]
    first_elder = slot == 1 + sp + kd
    male = np.select(
        [role == 0, role == 1, role == 2, first_elder & (elders[hh] == 2)],
        [head_male, ~head_male, rng.random(n) < 0.52, True],
        rng.random(n) < 0.45,
    )
    male &= ~((role == 3) & ~first_elder)  # the second grandparent is the grandmother
    spouse_age = np.clip(head_age + np.round(rng.normal(-2, 3, hcount)), 18, 99).astype(np.int64)
    youngest_parent = np.where(spouse == 1, np.minimum(head_age, spouse_age), head_age)[hh]
    child_max = np.maximum(np.minimum(youngest_parent - 20, np.where(lo[hh] < 25, 17, 30)), 0)
    age = np.select(
        [role == 0, role == 1, role == 2],
        [ha, spouse_age[hh], (rng.random(n) * (child_max + 1)).astype(np.int64)],
        np.minimum(ha + rng.integers(22, 39, n), 100),
    ).astype(np.int64)
    # Whose surname a child or grandfather carries: the father's (slot 0 or 1), or his own (-1).
    father = np.where(head_male, 0, np.where(sp == 1, 1, -1))
    follows = np.where((role == 2) | ((role == 3) & male & head_male), father, -1)
    return hh, role, male, age, follows


def people_build(persons: int, seed: int) -> People:
    rng = np.random.default_rng([seed, 1])
    places = Places.load()
    n_migrant = round(persons * MIGRANT_SHARE)
    parts = [
        _households(rng, LOCAL_HOUSEHOLDS, persons - n_migrant),
        _households(rng, MIGRANT_HOUSEHOLDS, n_migrant),
    ]
    members = [_members(rng, *p) for p in parts]
    offset = len(parts[0][0])
    hh = np.concatenate([members[0][0], members[1][0] + offset])
    role, male, age, follows = (np.concatenate([members[0][i], members[1][i]]) for i in (1, 2, 3, 4))
    local = np.arange(persons) < persons - n_migrant
    n, hcount = persons, offset + len(parts[1][0])
    birth = REFERENCE - (age * 365.25 + rng.random(n) * 365).astype(np.int64).astype("timedelta64[D]")

    # Names: children take the father's surname, and so does the grandfather on the father's side.
    surname = weighted(rng, [(i, w) for i, (_, w) in enumerate(pools.SURNAMES)], n)
    head_of = np.searchsorted(hh, hh)  # first member (the head) of each person's household
    surname = np.where(follows >= 0, surname[head_of + np.maximum(follows, 0)], surname)
    given2 = np.where(male, rng.integers(0, _M, n), _M + rng.integers(0, _F, n))
    r = rng.integers(0, _M + _N, n)  # GIVEN holds the male, female, then neutral characters
    given1 = np.where(male, np.where(r < _M, r, r + _F), _M + rng.integers(0, _F + _N, n))
    given1 = np.where(rng.random(n) < 0.25, len(GIVEN) - 1, given1)

    # ID numbers: birthplace code, then a sequence unique per (code, birth date, gender).
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    local_old, foshan, gd, province = (
        weighted(rng, [(int(code), w) for code, w in table], n)
        for table in (pools.CHANCHENG_OLD, pools.FOSHAN_OTHER, pools.GUANGDONG_OTHER, pools.OTHER_PROVINCES)
    )
    u = rng.random(n)
    area = np.where(
        year >= 2002,
        np.where(u < 0.92, 440604, foshan),
        np.select([u < 0.72, u < 0.85], [local_old, foshan], gd),
    )
    area = np.where(local, area, np.where(u < 0.85, province, gd))
    order = np.lexsort((male, birth, area))
    key = np.stack([area[order], birth[order].astype(np.int64), male[order]])
    start = np.r_[True, (key[:, 1:] != key[:, :-1]).any(axis=0)]
    rank = np.empty(n, np.int64)
    idx = np.arange(n)
    rank[order] = idx - np.maximum.accumulate(np.where(start, idx, 0))
    base = (birth.astype(np.int64) * 7 + area) % 300
    seq = ((base + rank) % 500) * 2 + male

    # Phones: most people from 14 on; children and the very old less often. Landlines per household.
    a = age
    has_mobile = rng.random(n) < np.select(
        [a < 10, a < 14, a < 18, a < 65, a < 80], [0.02, 0.3, 0.85, 0.99, 0.85], 0.5
    )
    mobile = np.zeros(n, np.int64)
    picks = unique_draw(rng, 0, len(MOBILE_PREFIXES) * 10**8, int(has_mobile.sum()))
    mobile[has_mobile] = np.asarray(MOBILE_PREFIXES)[picks // 10**8] * 10**8 + picks % 10**8
    hh_local = np.zeros(hcount, bool)
    hh_local[hh[local]] = True
    has_land = rng.random(hcount) < np.where(hh_local, 0.35, 0.03)
    landline = np.zeros(hcount, np.int64)
    landline[has_land] = 80_000_000 + unique_draw(rng, 0, 9_999_999, int(has_land.sum()))

    # Deaths in 2025-01-01..2026-10-31, by a Gompertz-like annual mortality.
    span = (DEATH_WINDOW[1] - DEATH_WINDOW[0]).astype(np.int64)
    mortality = np.minimum(0.0004 * np.exp(0.088 * (a - 30)), 0.4)
    dies = rng.random(n) < 1 - np.exp(-mortality * span / 365.25)
    death_day = DEATH_WINDOW[0] + rng.integers(0, span + 1, n).astype("timedelta64[D]")
    death = np.where(dies & (death_day > birth), death_day, np.datetime64("NaT", "D"))

    # Households: where they live now, and where the 8 % (migrants 15 %) who moved lately lived before.
    village = places.pick(rng, hcount)
    moved = rng.random(hcount) < np.where(hh_local, 0.08, 0.15)
    span_move = (REFERENCE - np.datetime64("2024-01-01", "D")).astype(np.int64)
    move_date = np.datetime64("2024-01-01", "D") + rng.integers(0, span_move, hcount).astype("timedelta64[D]")
    prev_village = places.pick(rng, hcount)
    return People(
        places=places,
        hh=hh,
        role=role,
        local=local,
        male=male,
        birth=birth,
        area=area,
        seq=seq,
        surname=surname,
        given1=given1,
        given2=given2,
        mobile=mobile,
        death=death,
        hh_village=village,
        hh_moved=moved,
        hh_move_date=move_date,
        hh_prev_village=prev_village,
        hh_address=places.address(rng, village),
        hh_prev_address=places.address(rng, prev_village),
        hh_landline=landline,
    )


# --- enterprises (legal persons) -------------------------------------------------------------------------
INDUSTRY_NAMES = [name for name, _, _ in pools.INDUSTRIES]
SUFFIXES = [s for _, suffixes, _ in pools.INDUSTRIES for s in suffixes]
SUFFIX_INDUSTRY = np.array([i for i, (_, suffixes, _) in enumerate(pools.INDUSTRIES) for _ in suffixes])
STATUS_WORDS = ["存续", "在业", "吊销", "注销"]
FOOD_SUFFIXES = {"便利店", "商行", "副食店", "水果店"}


@dataclass
class Enterprises:
    """One row per enterprise (index = eid; true entity E{eid+1:06d})."""

    uscc: pa.Array
    name: pa.Array
    old_name: pa.Array  # the name before a rename; null when never renamed
    rename_date: np.ndarray  # NaT when never renamed
    suffix: np.ndarray  # index into SUFFIXES
    village: np.ndarray
    address: pa.Array
    established: np.ndarray
    status: np.ndarray  # index into STATUS_WORDS
    legal_rep: np.ndarray  # pid
    food: np.ndarray

    @property
    def n(self) -> int:
        return len(self.suffix)

    @property
    def industry(self) -> np.ndarray:
        return SUFFIX_INDUSTRY[self.suffix]

    @property
    def individual(self) -> np.ndarray:
        return ~np.array([s.endswith(("公司", "合作社")) for s in SUFFIXES])[self.suffix]

    @cached_property
    def name_has_traditional(self) -> np.ndarray:
        return np.array([any(c in TRADITIONAL for c in s) for s in self.name.to_pylist()], bool)


def code_text(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """An ASCII prefix and zero-padded numbers (record ids, entity ids) as fixed-width text."""
    digits = body_digits(values, width).astype(np.uint8) + ord("0")
    head = np.broadcast_to(np.frombuffer(prefix.encode("ascii"), np.uint8), (len(values), len(prefix)))
    return fixed_text(np.concatenate([head, digits], axis=1))


def fixed_text(codes: np.ndarray) -> pa.Array:
    """An (n, w) matrix of ASCII codes -> n strings of width w, without a Python loop."""
    n, w = codes.shape
    offsets = np.arange(0, n * w + 1, w, dtype=np.int32)
    data = np.ascontiguousarray(codes, dtype=np.uint8)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def uscc_codes(rng: np.random.Generator, kind: np.ndarray, modern: np.ndarray) -> np.ndarray:
    """GB 32100 codes as ASCII: 9 (market regulation), kind, 440604, the 9-character organisation code
    (8 characters + GB 11714 check) and the MOD 31 check character. Pre-2015 bodies are 8 digits, later
    ones MA + 6 characters, as issued."""
    n = len(kind)
    alpha = np.frombuffer(USCC_ALPHABET.encode(), np.uint8)
    codes = np.zeros((n, 18), np.uint8)
    codes[:, 0] = ord("9")
    codes[:, 1] = np.asarray(kind, dtype=np.uint8) + ord("0")
    codes[:, 2:8] = np.frombuffer(b"440604", np.uint8)
    old = unique_draw(rng, 10_000_000, 80_000_000, n)
    new = unique_draw(rng, 0, 31**6, n)
    old_digits = body_digits(old, 8) + ord("0")
    new_chars = np.stack([alpha[(new // 31**i) % 31] for i in range(5, -1, -1)], axis=1)
    codes[:, 8:16] = np.where(
        modern[:, None], np.c_[np.full((n, 2), [ord("M"), ord("A")]), new_chars], old_digits
    )
    org_value = np.full(256, -1)
    org_value[np.frombuffer(ORG_ALPHABET.encode(), np.uint8)] = np.arange(len(ORG_ALPHABET))
    c = 11 - (org_value[codes[:, 8:16]] @ ORG_WEIGHTS) % 11
    codes[:, 16] = np.select([c == 10, c == 11], [ord("X"), ord("0")], c + ord("0"))
    value = np.full(256, -1)
    value[alpha] = np.arange(31)
    codes[:, 17] = alpha[(31 - (value[codes[:, :17]] @ USCC_WEIGHTS) % 31) % 31]
    return codes


def _trade_names(rng: np.random.Generator, n: int) -> list[str]:
    trades = pools.TRADE_NAMES
    first = np.asarray(trades)[rng.integers(0, len(trades), n)].tolist()
    extra = np.asarray([t[0] for t in trades])[rng.integers(0, len(trades), n)].tolist()
    return [a + (b if x < 0.5 else "") for a, b, x in zip(first, extra, rng.random(n).tolist(), strict=True)]


def enterprises_build(count: int, people: People, seed: int) -> Enterprises:
    rng = np.random.default_rng([seed, 2])
    places = people.places
    weights = np.array([w / len(s) for _, s, w in pools.INDUSTRIES for _ in s], float)
    suffix = rng.choice(len(SUFFIXES), count, p=weights / weights.sum())
    individual = ~np.array([s.endswith(("公司", "合作社")) for s in SUFFIXES])[suffix]
    city_level = ~individual & (rng.random(count) >= 0.4)

    # Names are unique in the register: a taken name gets a 字号 of other lucky characters.
    chars = sorted({c for t in pools.TRADE_NAMES for c in t})
    spare = ("".join(chars[k] for k in t) for t in rng.integers(0, len(chars), (count + 64, 3)).tolist())
    used: set[str] = set()

    def name_of(i: int, trade: str) -> str:
        name = f"{'佛山市' if city_level[i] else '佛山市禅城区'}{trade}{SUFFIXES[suffix[i]]}"
        while name in used:
            name = f"{'佛山市' if city_level[i] else '佛山市禅城区'}{next(spare)}{SUFFIXES[suffix[i]]}"
        used.add(name)
        return name

    names = [name_of(i, trade) for i, trade in enumerate(_trade_names(rng, count))]
    days = (rng.triangular(30, 6 * 365, 31 * 365, count)).astype(np.int64)
    established = REFERENCE - days.astype("timedelta64[D]")

    # About 6 % of companies took a new name since 2022; the old name was unique then, so build it alike.
    renamed = ~individual & (established < np.datetime64("2025-06-01")) & (rng.random(count) < 0.06)
    old_names = [None] * count
    for i in np.flatnonzero(renamed):
        old_names[i] = name_of(i, next(spare))
    lo = np.maximum(established + np.timedelta64(365, "D"), np.datetime64("2022-01-01", "D"))
    span = np.maximum((np.datetime64("2026-10-31", "D") - lo).astype(np.int64), 1)
    rename_date = np.where(
        renamed, lo + (rng.random(count) * span).astype("timedelta64[D]"), np.datetime64("NaT")
    )

    kind = np.where(individual, 2, np.where(np.char.endswith(np.asarray(SUFFIXES)[suffix], "合作社"), 3, 1))
    modern = established >= np.datetime64("2015-10-01", "D")
    # Legal representatives: living adults up to 70, at least 20 when the enterprise was set up.
    adults = np.flatnonzero((people.age() >= 22) & (people.age() <= 70) & np.isnat(people.death))
    adults = adults[np.argsort(people.birth[adults], kind="stable")]
    old_enough = np.searchsorted(people.birth[adults], established - 20 * 365, side="right")
    old_enough = np.where(old_enough > 0, old_enough, len(adults))
    legal_rep = adults[(rng.random(count) * old_enough).astype(np.int64)]
    village = places.pick(rng, count)
    retail = np.array([s in FOOD_SUFFIXES for s in SUFFIXES])[suffix]
    food = (np.asarray(INDUSTRY_NAMES)[SUFFIX_INDUSTRY[suffix]] == "餐饮") | (
        retail & (rng.random(count) < 0.7)
    )
    return Enterprises(
        uscc=fixed_text(uscc_codes(rng, kind, modern)),
        name=text(names),
        old_name=pa.array(old_names, pa.string()),
        rename_date=rename_date.astype("datetime64[D]"),
        suffix=suffix,
        village=village,
        address=places.address(rng, village, business=True),
        established=established,
        status=rng.choice(4, count, p=[0.66, 0.22, 0.03, 0.09]),
        legal_rep=legal_rep,
        food=food,
    )
