"""The demo generator: deterministic, valid identity numbers, realistic shares."""

from collections import Counter

from yimen.common.identity import is_valid_id_number, validate_uscc
from yimen.demo.world import REFERENCE_DATE, WorldGenerator

VILLAGES = {
    "440604012": [("440604012013", "培德社区"), ("440604012005", "东城社区")],
    "440604010": [("440604010001", "澜石社区")],
    "440604011": [("440604011001", "纯阳社区")],
    "440604100": [("440604100002", "吉利社区")],
}


def world(n=3000, seed=4406):
    gen = WorldGenerator(villages=VILLAGES, seed=seed)
    households = list(gen.households(n))
    return gen, households, [p for h in households for p in h.members]


def test_same_seed_same_world():
    _, _, a = world()
    _, _, b = world()
    assert [(p.id_number, p.name, p.residence_address) for p in a] == [
        (p.id_number, p.name, p.residence_address) for p in b
    ]
    _, _, c = world(seed=1)
    assert [p.id_number for p in a] != [p.id_number for p in c]


def test_every_id_number_is_valid_and_unique_and_matches_the_person():
    _, _, people = world()
    assert len({p.id_number for p in people}) == len(people)
    for p in people:
        assert is_valid_id_number(p.id_number), p.id_number
        assert p.id_number[6:14] == p.birth_date.strftime("%Y%m%d")
        assert (int(p.id_number[16]) % 2 == 1) == (p.gender == "M")


def test_migrant_share_and_households():
    _, households, people = world(6000)
    migrants = sum(1 for p in people if p.hukou_village is None)
    assert 0.40 < migrants / len(people) < 0.55  # 56.8万 of 120万
    sizes = Counter(len(h.members) for h in households)
    assert sizes[1] > 0 and max(sizes) >= 4
    elderly_alone = [
        h
        for h in households
        if len(h.members) == 1 and (REFERENCE_DATE - h.members[0].birth_date).days // 365 >= 80
    ]
    assert elderly_alone, "some people over 80 live alone"


def test_relations_point_inside_the_household_and_are_symmetric():
    _, households, _ = world()
    for h in households:
        pairs = set()
        for a, b, kind in h.relations:
            assert 0 <= a < len(h.members) and 0 <= b < len(h.members) and a != b
            pairs.add((a, b, kind))
        for a, b, kind in pairs:
            inverse = {"spouse": "spouse", "parent": "child", "child": "parent"}[kind]
            assert (b, a, inverse) in pairs


def test_enterprises_have_valid_unique_credit_codes_and_names():
    gen, _, _ = world(500)
    rows = list(gen.enterprises(800))
    assert len({e.uscc for e in rows}) == len(rows) == len({e.name for e in rows})
    for e in rows:
        assert validate_uscc(e.uscc) == e.uscc
        assert e.uscc[2:8] == "440604"
    kinds = Counter(e.kind for e in rows)
    assert kinds["individual"] > kinds["joint_stock"]


def test_enterprise_names_stay_unique_when_the_common_trade_names_run_out(monkeypatch):
    # At Chancheng scale (160k) the common 字号 of busy industries are used up; the generator must
    # compose new ones instead of searching forever for a free name.
    from yimen.demo import pools

    monkeypatch.setattr(pools, "TRADE_NAMES", ["鸿运", "富盛", "兴旺"])
    gen, _, _ = world(200)
    rows = list(gen.enterprises(3000))
    assert len({e.name for e in rows}) == len(rows) == 3000
