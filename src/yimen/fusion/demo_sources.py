"""The eleven demo extracts: who each department lists (`FRAMES`), its columns as the department names
them, its formats, and the columns beside the canonical fields (`EXTRAS`). Used by demo.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yimen.fusion.demo_people import INDUSTRY_NAMES, SUFFIXES, date_text, join, num, text

PERSON_FIELDS = ("id_number", "name", "gender", "birth_date", "phone", "address", "division_code")
ENTERPRISE_FIELDS = ("uscc", "name", "legal_rep_id_number", "legal_rep_name", "address", "established_date")
ENTERPRISE_FIELDS += ("status",)
Y2000, Y2005 = np.datetime64("2000-01-01", "D"), np.datetime64("2005-01-01", "D")
YEAR = np.timedelta64(365, "D")


@dataclass(frozen=True)
class Spec:
    name: str
    department: str
    kind: str
    path: str
    as_of: str
    record_id_column: str
    record_prefix: str
    columns: tuple[tuple[str, str], ...]  # (file column, canonical field | "record_id" | extra | "=constant")
    trust: tuple[tuple[str, int], ...]
    encoding: str = "utf-8"
    declare_encoding: bool = False
    date: str = "iso"
    phone: str = "plain"
    gender: str = "男女"
    address_prefix: str = ""
    phone_share: float = 0.9  # of persons with a phone, the share whose phone this department holds
    status_words: tuple[str, ...] = ("存续", "在业", "吊销", "注销")
    shuffle: bool = True

    @property
    def fields(self) -> list[str]:
        canonical = PERSON_FIELDS if self.kind == "person" else ENTERPRISE_FIELDS
        return [key for _, key in self.columns if key in canonical]


@dataclass
class Frame:
    """The rows of one extract: the entity per row and per-row facts the extra columns need."""

    ids: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    legacy_ok: np.ndarray | None = None  # rows old enough to carry a 15-digit ID number
    tables: dict[str, pa.Array] = field(default_factory=dict)


def _cols(pairs: str) -> tuple[tuple[str, str], ...]:
    """ "记录编号:record_id 姓名:name ..." -> ((column, key), ...); key "=x" is the constant x."""
    return tuple(tuple(p.split(":", 1)) for p in pairs.split())  # type: ignore[misc]


def _trust(**ranks: int) -> tuple[tuple[str, int], ...]:
    return tuple(ranks.items())


SPECS = [
    Spec(
        name="police_hukou",
        department="公安局",
        kind="person",
        path="extracts/police_hukou.csv",
        as_of="2026-06-30",
        record_id_column="记录编号",
        record_prefix="HJ",
        columns=_cols(
            "记录编号:record_id 户号:household 姓名:name 性别:gender 民族:ethnic 出生日期:birth_date "
            "公民身份号码:id_number 与户主关系:relation 户籍地址:address 行政区划代码:division_code 联系电话:phone"
        ),
        trust=_trust(id_number=10, name=10, gender=10, birth_date=10, division_code=9, address=7, phone=3),
        encoding="gbk",
        declare_encoding=True,
        date="compact",
        address_prefix="广东省佛山市禅城区",
        phone_share=0.6,
        shuffle=False,  # in household order, as the register is kept
    ),
    Spec(
        name="migrant_registration",
        department="公安局",
        kind="person",
        path="extracts/migrant_registration.csv",
        as_of="2026-09-30",
        record_id_column="登记编号",
        record_prefix="LD",
        columns=_cols(
            "登记编号:record_id 姓名:name 性别:gender 出生日期:birth_date 证件类型:=居民身份证 证件号码:id_number "
            "户籍地:hometown 现居住地址:address 居住地区划代码:division_code 手机号码:phone "
            "登记日期:registered 居住事由:reason"
        ),
        trust=_trust(id_number=6, name=7, gender=8, birth_date=7, phone=8, address=8, division_code=8),
        encoding="gbk",  # not declared in sources.yaml: the reader must detect it
        date="slash",
        phone="spaced",
        address_prefix="佛山市禅城区",
        phone_share=0.97,
    ),
    Spec(
        name="social_insurance",
        department="人社局",
        kind="person",
        path="extracts/social_insurance.csv",
        as_of="2026-08-31",
        record_id_column="个人编号",
        record_prefix="SB",
        columns=_cols(
            "个人编号:record_id 参保人姓名:name 身份证号:id_number 性别:gender 出生年月日:birth_date 手机号:phone "
            "联系地址:address 参保险种:scheme 参保状态:state 参保单位:employer"
        ),
        trust=_trust(id_number=9, name=8, gender=8, birth_date=8, phone=9, address=6),
        gender="12",
        address_prefix="佛山市禅城区",
        phone_share=0.95,
    ),
    Spec(
        name="tax",
        department="税务局",
        kind="person",
        path="extracts/tax.parquet",
        as_of="2025-12-31",
        record_id_column="申报序号",
        record_prefix="GS",
        columns=_cols(
            "申报序号:record_id 纳税人识别号:id_number 纳税人姓名:name 证件类型:=居民身份证 性别:gender "
            "出生日期:birth_date 联系电话:phone 经常居住地:address 任职受雇单位名称:employer 年度收入额:income"
        ),
        trust=_trust(id_number=9, name=8, gender=7, birth_date=7, phone=7, address=5),
        date="cn",
        phone="intl",
        address_prefix="广东省佛山市禅城区",
    ),
    Spec(
        name="education",
        department="教育局",
        kind="person",
        path="extracts/education.csv",
        as_of="2026-09-15",
        record_id_column="记录号",
        record_prefix="XJ",
        columns=_cols(
            "记录号:record_id 学生姓名:name 性别:gender 出生日期:birth_date 身份证件号:id_number 学校名称:school "
            "年级:grade 家庭住址:address 监护人姓名:guardian 监护人联系电话:guardian_phone"
        ),
        trust=_trust(id_number=8, name=9, gender=9, birth_date=9, address=6),
        date="dot",
        address_prefix="禅城区",
    ),
    Spec(
        name="property",
        department="自然资源局",
        kind="person",
        path="extracts/property.parquet",
        as_of="2026-03-31",
        record_id_column="登记编号",
        record_prefix="BDC",
        columns=_cols(
            "登记编号:record_id 不动产权证号:certificate 不动产单元号:unit 权利人:name 证件种类:=身份证 "
            "证件号码:id_number 共有情况:share 坐落:location 通讯地址:address 联系电话:phone 登记日期:registered"
        ),
        trust=_trust(id_number=9, name=9, address=5, phone=5),
        address_prefix="佛山市禅城区",
        phone_share=0.75,
    ),
    Spec(
        name="civil_affairs",
        department="民政局",
        kind="person",
        path="extracts/civil_affairs.csv",
        as_of="2026-10-31",
        record_id_column="业务编号",
        record_prefix="MZ",
        columns=_cols(
            "业务编号:record_id 业务类型:event 姓名:name 性别:gender 出生日期:birth_date 身份证号:id_number "
            "联系电话:phone 居住地址:address 行政区划代码:division_code 业务日期:event_date 死亡日期:death_date "
            "配偶姓名:spouse"
        ),
        trust=_trust(id_number=8, name=8, gender=8, birth_date=8, phone=5, address=6, division_code=6),
        date="cn",
        phone="spaced",
        address_prefix="佛山市禅城区",
        phone_share=0.8,
    ),
    Spec(
        name="market_regulation",
        department="市场监管局",
        kind="enterprise",
        path="extracts/market_regulation.csv",
        as_of="2026-10-31",
        record_id_column="记录编号",
        record_prefix="SJ",
        columns=_cols(
            "记录编号:record_id 统一社会信用代码:uscc 企业名称:name 曾用名:former_name 企业类型:type "
            "法定代表人:legal_rep_name 法定代表人证件号码:legal_rep_id_number 住所:address 注册资本:capital "
            "成立日期:established_date 登记状态:status 登记机关:=佛山市禅城区市场监督管理局"
        ),
        trust=_trust(
            uscc=10,
            name=10,
            legal_rep_id_number=9,
            legal_rep_name=9,
            address=8,
            established_date=10,
            status=10,
        ),
        address_prefix="佛山市禅城区",
    ),
    Spec(
        name="tax_enterprise",
        department="税务局",
        kind="enterprise",
        path="extracts/tax_enterprise.parquet",
        as_of="2026-01-31",
        record_id_column="登记序号",
        record_prefix="DJ",
        columns=_cols(
            "登记序号:record_id 纳税人识别号:uscc 纳税人名称:name 法定代表人姓名:legal_rep_name "
            "法定代表人身份证号码:legal_rep_id_number 生产经营地址:address 开业日期:established_date "
            "纳税人状态:status 行业:industry 主管税务机关:tax_office"
        ),
        trust=_trust(
            uscc=9, name=6, legal_rep_id_number=7, legal_rep_name=7, address=7, established_date=6, status=5
        ),
        date="slash",
        address_prefix="广东省佛山市禅城区",
        status_words=("存续", "存续", "吊销", "注销"),
    ),
    Spec(
        name="food_licence",
        department="市场监管局",
        kind="enterprise",
        path="extracts/food_licence.csv",
        as_of="2026-05-31",
        record_id_column="许可证编号",
        record_prefix="JY",
        columns=_cols(
            "许可证编号:record_id 经营者名称:name 社会信用代码:uscc 法定代表人（负责人）:legal_rep_name "
            "经营场所:address 主体业态:food_kind 经营项目:items 发证日期:issued 有效期至:valid_until"
        ),
        trust=_trust(uscc=7, name=5, legal_rep_name=6, address=6),
        date="cn",
        address_prefix="佛山市禅城区",
    ),
    Spec(  # last: its visits fill the person rows up to ROWS_PER_PERSON
        name="health",
        department="卫健局",
        kind="person",
        path="extracts/health.csv",
        as_of="2026-10-31",
        record_id_column="就诊流水号",
        record_prefix="MZ",
        columns=_cols(
            "就诊流水号:record_id 患者姓名:name 性别:gender 出生日期:birth_date 证件号码:id_number "
            "联系电话:phone 家庭住址:address 就诊日期:visit_date 就诊机构:facility 科室:clinic"
        ),
        trust=_trust(id_number=6, name=6, gender=6, birth_date=6, phone=6, address=4),
        phone="dashed",
        phone_share=0.85,
    ),
]


# --- who is listed ------------------------------------------------------------------------------------------
def _as_of(spec: Spec) -> np.datetime64:
    return np.datetime64(spec.as_of, "D")


def _days_between(rng, lo, hi) -> np.ndarray:
    """A day in [lo, hi] per row (lo clipped to hi)."""
    lo = np.minimum(lo, hi)
    span = (hi - lo).astype(np.int64) + 1
    return lo + (rng.random(len(span)) * span).astype(np.int64).astype("timedelta64[D]")


def _police(w, spec, rng, target):
    P = w.people
    ids = np.flatnonzero(P.local & (P.birth <= _as_of(spec)))
    return Frame(ids, legacy_ok=P.birth[ids] < Y2000)


def _migrant(w, spec, rng, target):
    P = w.people
    age = P.age(_as_of(spec))
    listed = ~P.local & (P.birth <= _as_of(spec)) & (rng.random(P.n) < np.where(age >= 16, 0.95, 0.7))
    ids = np.flatnonzero(listed)
    lo = np.maximum(P.birth[ids] + 16 * YEAR, np.datetime64("2018-01-01", "D"))
    day = _days_between(rng, np.where(age[ids] < 16, P.birth[ids], lo), np.full(len(ids), _as_of(spec)))
    reason = np.where(age[ids] < 16, 4, rng.choice(4, len(ids), p=[0.75, 0.12, 0.08, 0.05]))
    return Frame(ids, {"registered": day, "reason": reason})


def _social(w, spec, rng, target):
    P = w.people
    age = P.age(_as_of(spec))
    worker = (age >= 16) & (age < 60)
    share = np.select([worker, age >= 60], [np.where(P.local, 0.9, 0.78), np.where(P.local, 0.95, 0.3)])
    share = np.where(age < 16, np.where(P.local, 0.9, 0.5), share)
    ids = np.flatnonzero((P.birth <= _as_of(spec)) & (rng.random(P.n) < share))
    retired_pension = P.local[ids] & (rng.random(len(ids)) < 0.6)
    scheme = np.select([worker[ids], age[ids] >= 60], [0, np.where(retired_pension, 2, 3)], 1)
    state = np.select([scheme == 0, scheme >= 2], [np.where(rng.random(len(ids)) < 0.88, 0, 1), 2], 0)
    return Frame(ids, {"scheme": scheme, "state": state})


def _tax(w, spec, rng, target):
    P = w.people
    age = P.age(_as_of(spec))
    share = np.where((age >= 18) & (age < 65), np.where(P.local, 0.65, 0.75), np.where(age >= 65, 0.05, 0))
    ids = np.flatnonzero((P.birth <= _as_of(spec)) & (rng.random(P.n) < share))
    return Frame(ids, {"income": np.round(rng.lognormal(11.2, 0.55, len(ids)), 2)})


def _education(w, spec, rng, target):
    P = w.people
    age = P.age(np.datetime64("2026-09-01", "D"))
    ids = np.flatnonzero((age >= 3) & (age <= 17) & (rng.random(P.n) < np.where(P.local, 0.96, 0.9)))
    return Frame(ids, {"grade": age[ids] - 3, "high": rng.integers(0, 4, len(ids))})


def _property(w, spec, rng, target):
    P = w.people
    as_of = _as_of(spec)
    age = P.age(as_of)
    head = np.flatnonzero((P.role == 0) & (age >= 22) & (rng.random(P.n) < np.where(P.local, 0.8, 0.15)))
    wife = head + 1
    wife = wife[wife < P.n]
    co = wife[(P.role[wife] == 1) & (P.hh[wife] == P.hh[wife - 1]) & (rng.random(len(wife)) < 0.6)]
    extra_n = np.where(rng.random(len(head)) < 0.15, np.minimum(rng.geometric(0.6, len(head)), 3), 0)
    extra_owner = np.repeat(head, extra_n)
    n_main, n_extra = len(head), len(extra_owner)
    reg_main = _days_between(rng, np.maximum(P.birth[head] + 22 * YEAR, np.datetime64("1998-01-01")), as_of)
    reg_extra = _days_between(
        rng, np.maximum(P.birth[extra_owner] + 25 * YEAR, np.datetime64("2000-01-01")), as_of
    )
    main_of = np.searchsorted(head, co - 1)  # the head's property, co-owned by the spouse
    ids = np.concatenate([head, co, extra_owner])
    prop = np.concatenate([np.arange(n_main), main_of, n_main + np.arange(n_extra)])
    registered = np.concatenate([reg_main, reg_main[main_of], reg_extra])
    share = np.concatenate(
        [np.isin(np.arange(n_main), main_of), np.ones(len(co), bool), np.zeros(n_extra, bool)]
    )
    village = np.concatenate([P.hh_village[P.hh[head]], P.places.pick(rng, n_extra)])
    location = pa.concat_arrays([P.hh_address.take(P.hh[head]), P.places.address(rng, village[n_main:])])
    legacy = (registered < Y2005) & (P.birth[ids] < Y2000)
    tables = {"location": location, "village": pa.array(village)}
    return Frame(
        ids, {"property": prop, "registered": registered, "share": share.astype(np.int8)}, legacy, tables
    )


def _civil(w, spec, rng, target):
    """Marriages registered since 1995 (both partners), deaths, old-age allowance, 低保, disability."""
    P = w.people
    as_of = _as_of(spec)
    age = P.age()
    ids, event, day, partner = [], [], [], []

    def add(who, kind, when, other=None):
        ids.append(who)
        event.append(np.full(len(who), kind))
        day.append(np.asarray(when, "datetime64[D]"))
        partner.append(np.full(len(who), -1) if other is None else other)

    def since(start, floor: str):  # a day between max(start, floor) and as_of
        return _days_between(rng, np.maximum(start, np.datetime64(floor, "D")), np.full(len(start), as_of))

    second = np.flatnonzero((P.role == 1) & (P.hh == np.roll(P.hh, 1)))  # spouses; the head is just before
    head = second - 1
    bride = np.where(P.male[second], head, second)
    years = 22 + rng.random(len(bride)) * np.maximum(np.minimum(age[bride], 34) - 22, 0)
    wedding = P.birth[bride] + (years * 365.25).astype(np.int64).astype("timedelta64[D]")
    wed = (wedding >= np.datetime64("1995-01-01")) & (wedding <= as_of) & (age[bride] >= 22)
    wed &= rng.random(len(bride)) < np.where(P.local[second], 0.9, 0.2)
    add(second[wed], 0, wedding[wed], head[wed])
    add(head[wed], 0, wedding[wed], second[wed])
    dead = np.flatnonzero(~np.isnat(P.death))
    add(dead, 1, np.minimum(P.death[dead] + rng.integers(0, 15, len(dead)).astype("timedelta64[D]"), as_of))
    old = np.flatnonzero(P.local & (age >= 80) & (rng.random(P.n) < 0.95))
    add(old, 2, since(P.birth[old] + 80 * YEAR, "2015-01-01"))
    poor = np.flatnonzero(P.local & (rng.random(int(P.hh.max()) + 1) < 0.012)[P.hh])
    add(poor, 3, since(P.birth[poor], "2020-01-01"))
    disabled = np.flatnonzero(rng.random(P.n) < np.where(age >= 60, 0.03, 0.006))
    add(disabled, 4, since(P.birth[disabled], "2016-01-01"))
    ids, event, day, partner = (np.concatenate(x) for x in (ids, event, day, partner))
    keep = P.birth[ids] <= day
    legacy = (day < Y2005) & (P.birth[ids] < Y2000)
    return Frame(ids[keep], {"event": event[keep], "day": day[keep], "spouse": partner[keep]}, legacy[keep])


def _health(w, spec, rng, target):
    """Visits in the twelve months before as_of, more for infants and the old, scaled to `target`."""
    P = w.people
    as_of = _as_of(spec)
    age = P.age(as_of)
    lo = np.maximum(P.birth, as_of - YEAR)
    hi = np.where(np.isnat(P.death), as_of, np.minimum(P.death, as_of))
    years = np.maximum((hi - lo).astype(np.int64), 0) / 365
    rate = np.select([age < 7, age < 18, age < 45, age < 65], [6.0, 2.5, 3.0, 5.0], 9.0) * years
    scale = target / max(rate.sum(), 1.0)
    visits = rng.poisson(rate * scale)
    ids = np.repeat(np.arange(P.n), visits)
    day = _days_between(rng, lo[ids], hi[ids])
    clinic = np.where(
        (age[ids] < 14) & (rng.random(len(ids)) < 0.6), 0, rng.integers(1, len(CLINICS), len(ids))
    )
    return Frame(ids, {"day": day, "facility": rng.integers(0, len(FACILITIES), len(ids)), "clinic": clinic})


def _enterprises(which):
    def build(w, spec, rng, target):
        E = w.ents
        as_of = _as_of(spec)
        if which == "all":
            listed = np.ones(E.n, bool)
        elif which == "tax":
            listed = (E.established <= as_of) & (rng.random(E.n) < np.where(E.individual, 0.95, 0.99))
        else:
            listed = E.food & (E.status != 3) & (E.established <= as_of)
        ids = np.flatnonzero(listed)
        return Frame(
            ids, {"issued": _days_between(rng, np.maximum(E.established[ids], as_of - 5 * YEAR), as_of)}
        )

    return build


FRAMES = {
    "police_hukou": _police,
    "migrant_registration": _migrant,
    "social_insurance": _social,
    "tax": _tax,
    "education": _education,
    "property": _property,
    "civil_affairs": _civil,
    "health": _health,
    "market_regulation": _enterprises("all"),
    "tax_enterprise": _enterprises("tax"),
    "food_licence": _enterprises("food"),
}

# --- the other columns --------------------------------------------------------------------------------------
PROVINCES = {
    11: "北京市",
    23: "黑龙江省",
    34: "安徽省",
    35: "福建省",
    36: "江西省",
    41: "河南省",
    42: "湖北省",
}
PROVINCES |= {43: "湖南省", 44: "广东省", 45: "广西壮族自治区", 46: "海南省", 51: "四川省", 52: "贵州省"}
PROVINCES |= {53: "云南省", 61: "陕西省"}
FACILITIES = [
    "佛山市第一人民医院",
    "佛山市中医院",
    "佛山市妇幼保健院",
    "佛山复星禅诚医院",
    "佛山市禅城区中心医院",
]
FACILITIES += [f"佛山市禅城区{s}社区卫生服务中心" for s in ("祖庙街道", "石湾镇街道", "张槎街道", "南庄镇")]
CLINICS = ["儿科", "内科", "外科", "妇科", "口腔科", "眼科", "皮肤科", "中医科", "急诊科", "康复医学科"]
GRADES = [
    "小班",
    "中班",
    "大班",
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "七年级",
    "八年级",
]
GRADES += ["九年级", "高一", "高二", "高三"]
HIGH_SCHOOLS = ["佛山市第一中学", "佛山市第三中学", "佛山市禅城区实验高级中学", "佛山市华英学校"]
STREET_SHORT = {"440604010": "石湾", "440604011": "张槎", "440604012": "祖庙", "440604100": "南庄"}
RELATIONS = ["户主", "户主", "配偶", "配偶", "女", "子", "母亲", "父亲"]
EVENTS = ["结婚登记", "死亡登记", "高龄津贴", "最低生活保障", "残疾人两项补贴"]


def _x_police(w, spec, frame, rows, ids):
    P = w.people
    minority = (ids * 2654435761 % 1000) < 15  # 1.5 % of locals are not Han
    return {
        "household": join("4406", num(P.hh[ids] + 1, 8)),
        "ethnic": pc.if_else(pa.array(minority), "壮族", "汉族"),
        "relation": text(RELATIONS).take(P.role[ids] * 2 + P.male[ids]),
    }


def _x_migrant(w, spec, frame, rows, ids):
    table = [PROVINCES.get(i, "") for i in range(100)]
    return {
        "hometown": text(table).take(w.people.area[ids] // 10_000),
        "registered": date_text(frame.extra["registered"][rows], "iso"),
        "reason": text(["务工", "经商", "投靠亲友", "就学", "随迁"]).take(frame.extra["reason"][rows]),
    }


def _x_social(w, spec, frame, rows, ids):
    scheme = frame.extra["scheme"][rows]
    employer = pc.if_else(pa.array(scheme == 0), w.ents.name.take(w.employer()[ids]), "")
    schemes = [
        "企业职工基本养老保险",
        "城乡居民基本医疗保险",
        "企业退休人员基本养老金",
        "城乡居民基本养老保险",
    ]
    return {
        "scheme": text(schemes).take(scheme),
        "state": text(["参保缴费", "暂停缴费", "享受待遇"]).take(frame.extra["state"][rows]),
        "employer": employer,
    }


def _x_tax(w, spec, frame, rows, ids):
    cents = np.round(frame.extra["income"][rows] * 100).astype(np.int64)
    return {
        "employer": w.ents.name.take(w.employer()[ids]),
        "income": join(num(cents // 100), ".", num(cents % 100, 2)),
    }


def _x_education(w, spec, frame, rows, ids):
    P = w.people
    grade = frame.extra["grade"][rows]
    village = P.hh_village[P.hh[ids]]
    short = [label.removesuffix("社区").removesuffix("村") for label in P.places.label]
    middle = [f"佛山市禅城区{STREET_SHORT[s]}中学" for s in P.places.street]
    by_stage = [
        text(f"佛山市禅城区{s}幼儿园" for s in short).take(village),
        text(f"佛山市禅城区{s}小学" for s in short).take(village),
        text(middle).take(village),
        text(HIGH_SCHOOLS).take(frame.extra["high"][rows]),
    ]
    stage = np.select([grade < 3, grade < 9, grade < 12], [0, 1, 2], 3)
    school = by_stage[3]
    for k in (2, 1, 0):
        school = pc.if_else(pa.array(stage == k), by_stage[k], school)
    guardian = np.searchsorted(P.hh, P.hh[ids])  # the head of the household
    return {
        "school": school,
        "grade": text(GRADES).take(grade),
        "guardian": w.names().take(guardian),
        "guardian_phone": P.phone_text("spaced", guardian),
    }


def _x_property(w, spec, frame, rows, ids):
    prop = frame.extra["property"][rows]
    day = frame.extra["registered"][rows]
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    serial = prop + 10_000
    new = join("粤(", num(year), ")佛禅不动产权第", num(serial, 7), "号")
    old = join("粤房地权证佛字第", num(serial, 10), "号")
    village = frame.tables["village"].take(prop)
    return {
        "certificate": pc.if_else(pa.array(year >= 2016), new, old),
        "unit": join("440604", num(np.asarray(village), 3), "001GB", num(serial, 6), "F00010001"),
        "share": text(["单独所有", "共同共有"]).take(frame.extra["share"][rows]),
        "location": join("佛山市禅城区", frame.tables["location"].take(prop)),
        "registered": date_text(day, "iso"),
    }


def _x_civil(w, spec, frame, rows, ids):
    event, spouse = frame.extra["event"][rows], frame.extra["spouse"][rows]
    day = frame.extra["day"][rows]
    died = event == 1
    death = pc.if_else(pa.array(died), date_text(np.where(died, w.people.death[ids], day), spec.date), None)
    names = w.names().take(np.maximum(spouse, 0))
    return {
        "event": text(EVENTS).take(event),
        "event_date": date_text(day, "iso"),
        "death_date": death,
        "spouse": pc.if_else(pa.array(spouse >= 0), names, None),
    }


def _x_health(w, spec, frame, rows, ids):
    return {
        "visit_date": date_text(frame.extra["day"][rows], "iso"),
        "facility": text(FACILITIES).take(frame.extra["facility"][rows]),
        "clinic": text(CLINICS).take(frame.extra["clinic"][rows]),
    }


def _x_market(w, spec, frame, rows, ids):
    E = w.ents
    kinds = []
    for s in SUFFIXES:
        kinds.append(
            "农民专业合作社"
            if s.endswith("合作社")
            else "有限责任公司（自然人投资或控股）"
            if s.endswith("公司")
            else "个人独资企业"
            if s.endswith("厂")
            else "个体工商户"
        )
    capital = np.array([3, 5, 10, 50, 100, 200, 500, 1000, 3000])[(ids * 7919) % 9]
    return {
        "former_name": E.old_name.take(ids),
        "type": text(kinds).take(E.suffix[ids]),
        "capital": pc.if_else(pa.array(E.individual[ids]), "", join(num(capital), "万元")),
    }


def _x_tax_enterprise(w, spec, frame, rows, ids):
    E = w.ents
    office = [f"国家税务总局佛山市禅城区税务局{STREET_SHORT[s]}税务分局" for s in w.people.places.street]
    return {
        "industry": text(INDUSTRY_NAMES).take(E.industry[ids]),
        "tax_office": text(office).take(E.village[ids]),
    }


def _x_food(w, spec, frame, rows, ids):
    E = w.ents
    catering = E.industry[ids] == INDUSTRY_NAMES.index("餐饮")
    issued = frame.extra["issued"][rows]
    serial = np.arange(rows.start, rows.stop) + 1
    return {
        "record_id": join(
            "JY", pc.if_else(pa.array(catering), "2", "1"), "440604", num(serial, 6), num(serial * 7 % 10)
        ),
        "food_kind": pc.if_else(pa.array(catering), "餐饮服务经营者", "食品销售经营者"),
        "items": pc.if_else(pa.array(catering), "热食类食品制售", "预包装食品（含冷藏冷冻食品）销售"),
        "issued": date_text(issued, "cn"),
        "valid_until": date_text(issued + 5 * YEAR + np.timedelta64(1, "D"), "cn"),
    }


EXTRAS = {
    "police_hukou": _x_police,
    "migrant_registration": _x_migrant,
    "social_insurance": _x_social,
    "tax": _x_tax,
    "education": _x_education,
    "property": _x_property,
    "civil_affairs": _x_civil,
    "health": _x_health,
    "market_regulation": _x_market,
    "tax_enterprise": _x_tax_enterprise,
    "food_licence": _x_food,
}
