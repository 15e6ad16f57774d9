"""The deterministic demo world: households and persons living in the real villages of Chancheng,
enterprises with valid credit codes, and the demo accounts.

Same seed and scale -> the same people, ID numbers and enterprises, on SQLite and PostgreSQL alike.
Ages are relative to a fixed reference date so the world does not drift with the calendar.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from yimen.common.identity import make_id_number, make_uscc
from yimen.demo import pools

REFERENCE_DATE = dt.date(2026, 11, 1)
SCALES = {
    "small": {"persons": 20_000, "enterprises": 2_000},
    "full": {"persons": 1_200_000, "enterprises": 160_000},
}
MIGRANT_SHARE = 568_000 / 1_200_000  # 56.8万 of 120万 come from other provinces


@dataclass
class PersonRow:
    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    hukou_village: str | None  # village code when registered in the district
    hukou_region: str
    residence_village: str
    residence_address: str
    phone: str
    household_role: str
    status: str = "alive"
    death_date: dt.date | None = None


@dataclass
class HouseholdRow:
    number: str
    village: str
    address: str
    members: list[PersonRow] = field(default_factory=list)
    # (index_a, index_b, kind): relation of member a to member b ("spouse", "parent" = b is a's parent, "child")
    relations: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass
class EnterpriseRow:
    uscc: str
    name: str
    kind: str
    industry: str
    village: str
    registered_address: str
    established_date: dt.date
    registered_capital: float | None
    status: str
    legal_rep_index: int  # index into the persons generated (adults), resolved by the loader


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> Callable[[], str]:
    values = [p[0] for p in pairs]
    cum = []
    total = 0
    for _, w in pairs:
        total += w
        cum.append(total)

    def pick() -> str:
        return rng.choices(values, cum_weights=cum)[0]

    return pick


class WorldGenerator:
    def __init__(self, *, villages: dict[str, list[tuple[str, str]]], seed: int = 4406):
        """`villages`: street code -> [(village code, short name)] from the places app."""
        self.rng = random.Random(seed)
        self.villages = villages
        self.all_villages = [(s, v, n) for s, vs in sorted(villages.items()) for v, n in vs]
        self.village_street = {v: s for s, v, _ in self.all_villages}
        self.village_name = {v: n for _, v, n in self.all_villages}
        r = self.rng
        self.surname = _weighted(r, pools.SURNAMES)
        self.old_code = _weighted(r, pools.CHANCHENG_OLD)
        self.foshan_code = _weighted(r, pools.FOSHAN_OTHER)
        self.gd_code = _weighted(r, pools.GUANGDONG_OTHER)
        self.province_code = _weighted(r, pools.OTHER_PROVINCES)
        # Bigger communities in the old centre: weight villages by street.
        street_weight = {"440604012": 1.5, "440604010": 1.2, "440604011": 1.0, "440604100": 0.8}
        self.village_pick = _weighted(
            r, [(v, int(10 * street_weight.get(s, 1.0))) for s, v, _ in self.all_villages]
        )
        self._seq: dict[tuple[str, dt.date, str], int] = defaultdict(int)
        self._household_seq: dict[str, int] = defaultdict(int)
        self._phones: set[str] = set()
        self.adults: list[PersonRow] = []
        self._persons = 0
        self._migrants = 0

    # --- people -------------------------------------------------------------------------------------------
    def _name(self, gender: str, surname: str | None = None) -> str:
        r = self.rng
        surname = surname or self.surname()
        chars = pools.MALE_CHARS if gender == "M" else pools.FEMALE_CHARS
        if r.random() < 0.25:
            given = r.choice(chars)
        else:
            given = r.choice(chars + pools.NEUTRAL_CHARS) + r.choice(chars)
        return surname + given

    def _birth(self, age_lo: int, age_hi: int) -> dt.date:
        age_days = self.rng.randint(age_lo * 365 + 1, age_hi * 365 + 364)
        return REFERENCE_DATE - dt.timedelta(days=age_days)

    def _id_number(self, code: str, birth: dt.date, gender: str) -> str:
        key = (code, birth, gender)
        n = self._seq[key]
        self._seq[key] = n + 1
        # Sequence 0-999; odd for men. Spread starting points so numbers look varied.
        base = ((birth.toordinal() * 7 + int(code)) % 300) * 2
        seq = (base + 2 * n + (1 if gender == "M" else 0)) % 1000
        return make_id_number(code, birth, seq)

    def _phone(self) -> str:
        r = self.rng
        while True:
            p = (
                r.choice(["13", "15", "18", "17", "19", "16", "14"])
                + str(r.randint(0, 9))
                + f"{r.randint(0, 99_999_999):08d}"
            )
            if p not in self._phones:
                self._phones.add(p)
                return p

    def _birth_code(self, *, local: bool, birth: dt.date) -> str:
        r = self.rng
        if local:
            if birth.year >= 2002:
                return "440604" if r.random() < 0.9 else self.foshan_code()
            x = r.random()
            if x < 0.72:
                return self.old_code()
            if x < 0.85:
                return self.foshan_code()
            return self.gd_code()
        return self.province_code()

    def _person(
        self,
        *,
        hh: HouseholdRow,
        local: bool,
        gender: str,
        age: tuple[int, int],
        role: str,
        surname: str | None = None,
    ) -> PersonRow:
        birth = self._birth(*age)
        code = self._birth_code(local=local, birth=birth)
        p = PersonRow(
            id_number=self._id_number(code, birth, gender),
            name=self._name(gender, surname),
            gender=gender,
            birth_date=birth,
            hukou_village=hh.village if local else None,
            hukou_region=hh.village[:6] if local else code,
            residence_village=hh.village,
            residence_address=hh.address,
            phone=self._phone() if REFERENCE_DATE.year - birth.year >= 14 or self.rng.random() < 0.1 else "",
            household_role=role,
        )
        age_now = (REFERENCE_DATE - birth).days // 365
        if age_now >= 70 and self.rng.random() < 0.02 * (age_now - 65) / 10:
            p.status = "deceased"
            p.death_date = REFERENCE_DATE - dt.timedelta(days=self.rng.randint(1, 900))
        hh.members.append(p)
        if 20 <= age_now <= 70:
            self.adults.append(p)
        return p

    def _address(self, village: str) -> str:
        r = self.rng
        road = r.choice(pools.ROADS[self.village_street[village]])
        vname = self.village_name[village]
        if r.random() < 0.55:
            estate = r.choice(pools.ESTATE_WORDS) + r.choice(pools.ESTATES)
            return f"{vname}{road}{r.randint(1, 380)}号{estate}{r.randint(1, 24)}座{r.randint(1, 32):d}{r.randint(1, 8):02d}房"
        return f"{vname}{road}{r.randint(1, 260)}号{'之' + str(r.randint(1, 9)) if r.random() < 0.2 else ''}"

    def _household(self, village: str) -> HouseholdRow:
        n = self._household_seq[village] = self._household_seq[village] + 1
        return HouseholdRow(number=f"{village[6:]}{n:06d}", village=village, address=self._address(village))

    def household(self) -> HouseholdRow:
        """One household: local families of all shapes, or migrant households (mostly young adults)."""
        r = self.rng
        hh = self._household(self.village_pick())
        # Migrant households are smaller, so steer by persons, not households, towards the district's share.
        behind = self._migrants < MIGRANT_SHARE * self._persons
        local = r.random() >= (0.8 if behind else 0.3)
        x = r.random()
        other = "F" if r.random() < 0.5 else "M"
        if local:
            if x < 0.07:  # an elderly person living alone (独居老人)
                self._person(hh=hh, local=True, gender=other, age=(65, 98), role="head")
            elif x < 0.17:  # elderly couple
                self._couple(hh, local=True, age=(60, 95))
            elif x < 0.27:  # young couple, no children yet (or expecting)
                self._couple(hh, local=True, age=(23, 35))
            elif x < 0.63:  # couple with children
                self._family(hh, local=True, age=(27, 55))
            elif x < 0.85:  # three generations
                self._family(hh, local=True, age=(30, 50))
                self._elder_parents(hh, local=True, head_index=0)
            elif x < 0.92:  # single parent
                parent = self._person(hh=hh, local=True, gender=other, age=(28, 50), role="head")
                self._children(
                    hh,
                    [0],
                    parent.name[:1] if parent.gender == "M" else None,
                    local=True,
                    parent_age=(REFERENCE_DATE - parent.birth_date).days // 365,
                )
            else:  # single adult
                self._person(hh=hh, local=True, gender=other, age=(20, 60), role="head")
        else:
            if x < 0.45:
                self._person(hh=hh, local=False, gender=other, age=(18, 55), role="head")
            elif x < 0.70:
                self._couple(hh, local=False, age=(20, 50))
            else:
                self._family(hh, local=False, age=(24, 48), max_children=2)
        return hh

    def _couple(self, hh: HouseholdRow, *, local: bool, age: tuple[int, int]) -> tuple[int, int]:
        a = self._person(hh=hh, local=local, gender="M", age=age, role="head")
        age_a = (REFERENCE_DATE - a.birth_date).days // 365
        lo, hi = max(age[0] - 2, 18), min(age_a + 3, 99)
        self._person(
            hh=hh, local=local or self.rng.random() < 0.3, gender="F", age=(min(lo, hi), hi), role="spouse"
        )
        i, j = len(hh.members) - 2, len(hh.members) - 1
        hh.relations += [(i, j, "spouse"), (j, i, "spouse")]
        return i, j

    def _family(self, hh: HouseholdRow, *, local: bool, age: tuple[int, int], max_children: int = 3):
        i, j = self._couple(hh, local=local, age=age)
        father = hh.members[i]
        parent_age = (REFERENCE_DATE - hh.members[j].birth_date).days // 365
        self._children(
            hh,
            [i, j],
            father.name[: len(father.name) - (2 if len(father.name) > 2 else 1)] or None,
            local=local,
            parent_age=parent_age,
            max_children=max_children,
        )
        return i, j

    def _children(
        self,
        hh: HouseholdRow,
        parents: list[int],
        surname: str | None,
        *,
        local: bool,
        parent_age: int,
        max_children: int = 3,
    ) -> None:
        r = self.rng
        count = r.choices([1, 2, 3], weights=[50, 40, 10])[0]
        for _ in range(min(count, max_children)):
            hi = max(min(parent_age - 20, 30), 0)
            self._person(
                hh=hh, local=local, gender=r.choice("MF"), age=(0, hi), role="child", surname=surname
            )
            ci = len(hh.members) - 1
            for p in parents:
                hh.relations += [(ci, p, "parent"), (p, ci, "child")]

    def _elder_parents(self, hh: HouseholdRow, *, local: bool, head_index: int) -> None:
        head = hh.members[head_index]
        head_age = (REFERENCE_DATE - head.birth_date).days // 365
        surname = head.name[:1]
        idx = []
        for gender in ("M", "F"):
            if self.rng.random() < 0.75:
                self._person(
                    hh=hh,
                    local=local,
                    gender=gender,
                    age=(head_age + 22, min(head_age + 38, 99)),
                    role="parent",
                    surname=surname if gender == "M" else None,
                )
                idx.append(len(hh.members) - 1)
        for p in idx:
            hh.relations += [(head_index, p, "parent"), (p, head_index, "child")]
        if len(idx) == 2:
            hh.relations += [(idx[0], idx[1], "spouse"), (idx[1], idx[0], "spouse")]

    def households(self, persons: int) -> Iterator[HouseholdRow]:
        made = 0
        while made < persons:
            hh = self.household()
            made += len(hh.members)
            self._persons += len(hh.members)
            self._migrants += sum(1 for p in hh.members if p.hukou_village is None)
            yield hh

    # --- enterprises --------------------------------------------------------------------------------------
    def enterprises(self, count: int) -> Iterator[EnterpriseRow]:
        r = self.rng
        industry = _weighted(r, [(name, w) for name, _, w in pools.INDUSTRIES])
        suffixes = {name: s for name, s, _ in pools.INDUSTRIES}
        used_names: set[str] = set()
        used_codes: set[str] = set()
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        trade_chars = sorted({c for t in pools.TRADE_NAMES for c in t})
        for _ in range(count):
            ind = industry()
            suffix = r.choice(suffixes[ind])
            individual = not suffix.endswith(("公司", "合作社"))
            street, village, vname = r.choice(self.all_villages)
            attempts = 0
            while True:
                attempts += 1
                if attempts <= 3:
                    trade = r.choice(pools.TRADE_NAMES) + (
                        r.choice(pools.TRADE_NAMES)[:1] if r.random() < 0.5 else ""
                    )
                else:
                    # The common 字号 of a busy industry run out at Chancheng scale (160k enterprises):
                    # compose new ones from the same auspicious characters, longer as collisions go on.
                    trade = "".join(r.choice(trade_chars) for _ in range(2 if attempts < 8 else 3))
                name = (
                    f"佛山市禅城区{trade}{suffix}"
                    if individual or r.random() < 0.4
                    else f"佛山市{trade}{suffix}"
                )
                if name not in used_names:
                    used_names.add(name)
                    break
            established = REFERENCE_DATE - dt.timedelta(days=int(r.triangular(30, 31 * 365, 6 * 365)))
            while True:
                if established.year >= 2015:
                    body = "MA" + "".join(r.choice(alphabet) for _ in range(6))
                else:
                    body = f"{r.randint(10_000_000, 79_999_999)}"
                kind_char = "2" if individual else ("3" if suffix.endswith("合作社") else "1")
                code = make_uscc("9", kind_char, "440604", body)
                if code not in used_codes:
                    used_codes.add(code)
                    break
            if individual:
                kind = "individual"
            elif suffix.endswith("合作社"):
                kind = "cooperative"
            elif suffix.endswith("厂") or r.random() < 0.1:
                kind = "sole"
            else:
                kind = r.choices(["limited", "joint_stock", "partnership"], weights=[90, 4, 6])[0]
            status = r.choices(["active", "cancelled", "revoked"], weights=[88, 9, 3])[0]
            road = r.choice(pools.ROADS[street])
            yield EnterpriseRow(
                uscc=code,
                name=name,
                kind=kind,
                industry=ind,
                village=village,
                registered_address=f"佛山市禅城区{vname}{road}{r.randint(1, 300)}号{'首层' if individual else ''}",
                established_date=established,
                registered_capital=None
                if individual
                else float(r.choice([3, 5, 10, 50, 100, 200, 500, 1000, 3000])),
                status=status,
                legal_rep_index=r.randrange(1 << 30),
            )
