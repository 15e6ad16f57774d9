"""A crafted Chancheng population for tag tests: households of every shape the tags tell apart, with
relations, decided cases and certificates of the catalog items the shipped tags name.

Cases and certificates are written as rows (a decided case with its dates) rather than walked through
the case services: what a tag reads is the row, and `test_hooks.py` drives the real services for the
hook. Dates are relative to `TODAY`, so the expected members never drift.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import yaml
from django.utils import timezone

from yimen.accounts.models import Role
from yimen.cases.models import Case, Certificate
from yimen.catalog.tests.factories import ItemVersionFactory, ServiceItemFactory
from yimen.catalog.tests.factories import department as catalog_department
from yimen.proactive.tags.definitions import FIXTURE
from yimen.registry.models import Household, Person, Relation
from yimen.registry.tests.factories import EnterpriseFactory, PersonFactory, UserFactory, chancheng

TODAY = dt.date(2026, 6, 15)

BIRTH_REGISTRATION = "11440604007523445P4200122001000"
LOW_INCOME = "11440604007523103C4040107001000"
DISABILITY_CARD = "11440604507523601B4070301002000"
RETIREMENT = "1144060400752320XJ4040112004000"
FOOD_LICENCE = "11440604007523509M4000127002000"
PRIMARY_SCHOOL = "1144060400752312XY4200110002000"


def fixture_item_codes() -> set[str]:
    """Every item implementation code the shipped tags.yaml names."""
    text = FIXTURE.read_text(encoding="utf-8")
    codes: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "item":
                    codes.add(value)
                elif key == "items":
                    codes.update(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk([t["rule"] for t in yaml.safe_load(text)["tags"]])
    return codes


def catalog_items() -> dict[str, object]:
    """A published version for each item the tags name (name and department as in the sample catalog)."""
    names = {
        BIRTH_REGISTRATION: ("生育登记（计划生育服务证办理）", "WJJ", "document", ""),
        LOW_INCOME: ("最低生活保障申请（低保申请）", "MZJ", "document", ""),
        DISABILITY_CARD: (
            "残疾人证办理（新办、换领、迁移）",
            "CL",
            "certificate",
            "中华人民共和国残疾人证（第二代）",
        ),
        RETIREMENT: ("企业职工基本养老保险待遇申领（退休申请）", "RSJ", "document", ""),
        FOOD_LICENCE: ("食品经营许可", "SCJ", "certificate", "食品经营许可证"),
        PRIMARY_SCHOOL: ("义务教育阶段公办小学一年级新生入学报名", "JYJ", "document", ""),
    }
    versions = {}
    for code in sorted(fixture_item_codes()):
        name, dept, result, result_name = names.get(code, (f"事项 {code[-12:]}", "MZJ", "none", ""))
        versions[code] = ItemVersionFactory(
            published=True,
            item=ServiceItemFactory(implementation_code=code),
            name=name,
            department=catalog_department(dept),
            service_object="both" if code == FOOD_LICENCE else "natural_person",
            accept_levels=["district", "street"],
            result_type=result,
            result_name=result_name,
        )
    return versions


_numbers = itertools.count(1)


@dataclass
class Population:
    places: dict
    items: dict
    clerk: object
    p: dict = field(default_factory=dict)  # label -> Person
    e: dict = field(default_factory=dict)  # label -> Enterprise

    def ids(self, *labels: str) -> set[int]:
        return {self.p[label].pk for label in labels}

    def eids(self, *labels: str) -> set[int]:
        return {self.e[label].pk for label in labels}


def born(years: int, days: int = 0) -> dt.date:
    """A birth date making the person exactly `years` old on TODAY, `days` days past the birthday."""
    from yimen.proactive.tags.query import years_before

    return years_before(TODAY, years) - dt.timedelta(days=days)


def household(village, number: str) -> Household:
    return Household.objects.create(
        number=number, division=village, address=f"{village.short_name}测试路{number}号"
    )


def person(
    hh: Household | None, *, years: int, days: int = 30, gender: str = "F", role: str = "head", **kw
) -> Person:
    village = kw.pop("village", None) or (hh.division if hh else None)
    return PersonFactory(
        birth_date=born(years, days),
        gender=gender,
        household=hh,
        household_role=role,
        residence_division=village,
        hukou_division=None if kw.get("is_migrant") else village,
        **kw,
    )


def relate(parent: Person, child: Person) -> None:
    Relation.objects.create(person=parent, relative=child, kind="child")
    Relation.objects.create(person=child, relative=parent, kind="parent")


def case_row(
    version,
    *,
    submitted_by,
    decided_on: dt.date,
    person=None,
    enterprise=None,
    status="delivered",
    channel="window",
) -> Case:
    """A case of `version` as the row a tag or a trigger reads, decided on `decided_on` (no services)."""
    at = timezone.make_aware(dt.datetime.combine(decided_on, dt.time(10)))
    return Case.objects.create(
        number=f"T{next(_numbers):08d}",
        item=version.item,
        version=version,
        department=version.department,
        status=status,
        channel=channel,
        applicant_person=person,
        applicant_enterprise=enterprise,
        submitted_by=submitted_by,
        submitted_at=at - dt.timedelta(days=3),
        accepted_at=at - dt.timedelta(days=3),
        decided_at=at if status in ("approved", "rejected", "delivered") else None,
        limit_day_type="working",
        promised_limit_days=5,
    )


def certificate_row(case: Case, *, issued_on: dt.date, valid_until=None, state="valid") -> Certificate:
    """The certificate a decided case issued (named after the item's result), held by its applicant."""
    number = f"C{case.pk:010d}"
    return Certificate.objects.create(
        number=number,
        name=case.version.result_name or case.version.name,
        case=case,
        holder_person=case.applicant_person,
        holder_enterprise=case.applicant_enterprise,
        issuer=case.department,
        issued_on=issued_on,
        valid_until=valid_until,
        state=state,
        verify_token=f"t{number}",
    )


def decided_case(
    pop: Population, code: str, *, person=None, enterprise=None, days_ago: int, status="delivered"
) -> Case:
    return case_row(
        pop.items[code],
        submitted_by=pop.clerk,
        decided_on=TODAY - dt.timedelta(days=days_ago),
        person=person,
        enterprise=enterprise,
        status=status,
    )


def certificate(
    pop: Population, code: str, *, person=None, enterprise=None, days_ago: int, valid_until, state="valid"
):
    case = decided_case(pop, code, person=person, enterprise=enterprise, days_ago=days_ago)
    return certificate_row(
        case, issued_on=TODAY - dt.timedelta(days=days_ago), valid_until=valid_until, state=state
    )


def population_build() -> Population:
    places = chancheng()
    pop = Population(places, catalog_items(), UserFactory(role=Role.WINDOW_CLERK))
    peide, dongcheng, lanshi = places["peide"], places["dongcheng"], places["lanshi"]
    p = pop.p
    # An 85-year-old woman living alone, no children: 80+, living alone, childless, retiree.
    p["alone85"] = person(household(peide, "P0001"), years=85)
    # A man turning 80 tomorrow, living alone.
    p["almost80"] = person(household(peide, "P0002"), years=80, days=-1, gender="M")
    # An elderly couple (72, 68) whose son (45) lives elsewhere; the son's wife and their baby (100 days).
    hh = household(peide, "P0003")
    p["grandpa72"] = person(hh, years=72, gender="M")
    p["grandma68"] = person(hh, years=68, role="spouse")
    son_hh = household(dongcheng, "D0001")
    p["son45"] = person(son_hh, years=45, gender="M")
    p["wife33"] = person(son_hh, years=33, role="spouse")
    p["baby"] = person(son_hh, years=0, days=100, role="child")
    for parent in (p["grandpa72"], p["grandma68"]):
        relate(parent, p["son45"])
    for parent in (p["son45"], p["wife33"]):
        relate(parent, p["baby"])
    # A 66-year-old widow whose only child died: childless (no living child).
    hh = household(dongcheng, "D0002")
    p["widow66"] = person(hh, years=66)
    p["lostchild"] = person(
        hh, years=40, gender="M", role="child", status="deceased", death_date=TODAY - dt.timedelta(days=500)
    )
    relate(p["widow66"], p["lostchild"])
    # Pregnant: birth registration decided 60 days ago, no child yet; and one registered 400 days ago.
    p["pregnant29"] = person(household(lanshi, "L0001"), years=29)
    decided_case(pop, BIRTH_REGISTRATION, person=p["pregnant29"], days_ago=60)
    p["registered_long_ago"] = person(household(lanshi, "L0002"), years=31)
    decided_case(pop, BIRTH_REGISTRATION, person=p["registered_long_ago"], days_ago=400)
    # Disability: a valid card; an expired one does not count.
    p["disabled40"] = person(household(lanshi, "L0003"), years=40, gender="M")
    certificate(
        pop, DISABILITY_CARD, person=p["disabled40"], days_ago=300, valid_until=TODAY + dt.timedelta(days=900)
    )
    p["expired_card"] = person(household(lanshi, "L0004"), years=41, gender="M")
    certificate(
        pop,
        DISABILITY_CARD,
        person=p["expired_card"],
        days_ago=2000,
        valid_until=TODAY - dt.timedelta(days=5),
    )
    # A low-income household of two: the mother's 低保 was approved 100 days ago; her 16-year-old daughter.
    hh = household(lanshi, "L0005")
    p["dibao_mother"] = person(hh, years=44)
    p["dibao_daughter"] = person(hh, years=16, role="child")
    relate(p["dibao_mother"], p["dibao_daughter"])
    decided_case(pop, LOW_INCOME, person=p["dibao_mother"], days_ago=100)
    # An old 低保 (500 days) no longer counts.
    p["old_dibao"] = person(household(lanshi, "L0006"), years=50, gender="M")
    decided_case(pop, LOW_INCOME, person=p["old_dibao"], days_ago=500)
    # Retirement: a woman of 52 retired by case; a woman of 56 by age; a man of 58 not yet.
    p["retired52"] = person(household(dongcheng, "D0003"), years=52)
    decided_case(pop, RETIREMENT, person=p["retired52"], days_ago=700)
    p["woman56"] = person(household(dongcheng, "D0004"), years=56)
    p["man58"] = person(household(dongcheng, "D0005"), years=58, gender="M")
    # A 30-year-old parent whose school-entry case for a child makes them a "student" by the rule.
    p["school_parent30"] = person(household(peide, "P0004"), years=30, gender="M")
    decided_case(pop, PRIMARY_SCHOOL, person=p["school_parent30"], days_ago=90)
    # A migrant worker of 24 living alone; a deceased 90-year-old.
    p["migrant24"] = person(
        household(lanshi, "L0007"), years=24, gender="M", is_migrant=True, hukou_region="450881"
    )
    p["dead90"] = person(
        household(peide, "P0005"), years=90, status="deceased", death_date=TODAY - dt.timedelta(days=20)
    )
    # Without a household (a record from another source): no household tags.
    p["nohousehold"] = person(None, years=35, village=peide)

    e = pop.e
    e["new_shop"] = EnterpriseFactory(
        legal_representative=None,
        division=peide,
        industry="零售",
        established_date=TODAY - dt.timedelta(days=100),
    )
    e["old_restaurant"] = EnterpriseFactory(
        legal_representative=None, division=peide, industry="餐饮", established_date=dt.date(2015, 1, 1)
    )
    e["licensed_kitchen"] = EnterpriseFactory(
        legal_representative=None, division=lanshi, industry="科技", established_date=dt.date(2018, 1, 1)
    )
    certificate(
        pop,
        FOOD_LICENCE,
        enterprise=e["licensed_kitchen"],
        days_ago=1800,
        valid_until=TODAY + dt.timedelta(days=10),
    )
    e["cancelled_new"] = EnterpriseFactory(
        legal_representative=None,
        division=lanshi,
        industry="餐饮",
        established_date=TODAY - dt.timedelta(days=50),
        status="cancelled",
    )
    return pop


# Expected members of each shipped tag in the crafted population (the tests compare all three: this
# table, the ORM evaluation and `explain`).
EXPECTED_PERSONS = {
    "age_0_6": {"baby"},
    "age_7_17": {"dibao_daughter"},
    "age_18_34": {"wife33", "pregnant29", "registered_long_ago", "school_parent30", "migrant24"},
    "age_35_59": {
        "son45",
        "disabled40",
        "expired_card",
        "dibao_mother",
        "old_dibao",
        "retired52",
        "woman56",
        "man58",
        "nohousehold",
    },
    "age_60_plus": {"alone85", "almost80", "grandpa72", "grandma68", "widow66"},
    "age_70_plus": {"alone85", "almost80", "grandpa72"},
    "age_80_plus": {"alone85"},
    "living_alone": {
        "alone85",
        "almost80",
        "widow66",
        "pregnant29",
        "registered_long_ago",
        "disabled40",
        "expired_card",
        "old_dibao",
        "retired52",
        "woman56",
        "man58",
        "school_parent30",
        "migrant24",
    },
    "elderly_living_alone": {"alone85", "almost80", "widow66"},
    "childless_elderly": {"alone85", "almost80", "widow66"},
    "new_parent": {"son45", "wife33"},
    "pregnant": {"pregnant29"},
    "retiree": {"alone85", "almost80", "grandpa72", "grandma68", "widow66", "retired52", "woman56"},
    "disabled": {"disabled40"},
    "low_income_household": {"dibao_mother", "dibao_daughter"},
    "student": {"dibao_daughter", "school_parent30"},
    "migrant": {"migrant24"},
    "deceased": {"lostchild", "dead90"},
}
EXPECTED_ENTERPRISES = {
    "new_enterprise": {"new_shop"},
    "licence_expiring": {"licensed_kitchen"},
    "food_business": {"old_restaurant", "licensed_kitchen"},
}
