"""Life-event triggers (推送办 part 3): each trigger kind on crafted people, with the real sample catalog
and the real case services; rule checking; one-click applications; the daily scan and its catch-up."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.test import Client

from yimen.accounts.models import Role
from yimen.cases import services as cases
from yimen.cases.models import Case
from yimen.catalog.models import ServiceItem
from yimen.catalog.tests.factories import department_all
from yimen.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from yimen.notify.models import Notification
from yimen.places.models import Department
from yimen.proactive import services
from yimen.proactive.models import LifeEventTrigger, Offer, OfferState, TriggerScan
from yimen.proactive.tests.factories import case_row, certificate_row, relate
from yimen.proactive.triggers import scan
from yimen.proactive.triggers.definitions import TriggerSpec, fixture_read
from yimen.registry import services as registry
from yimen.registry.models import Household, Person, Relation
from yimen.registry.tests.factories import EnterpriseFactory, PersonFactory, UserFactory, chancheng

pytestmark = pytest.mark.django_db

BIRTH_REGISTRATION = "11440604007523445P4200122001000"
PRENATAL_VOUCHER = "11440604007523445P4200122002000"
ELDER_CARD = "11440604007523103C4200107001000"
FOOD_LICENCE = "11440604007523509M4000127002000"
MARRIAGE = "11440604007523103C4070107001000"
TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def sample(django_db_setup, django_db_blocker, tmp_path_factory):
    """The sample catalog and the shipped rules, loaded once for the module inside a transaction that
    is rolled back at its end; each test runs in a savepoint within it (pytest-django's `db`)."""
    from django.db import transaction
    from django.test import override_settings

    from yimen.catalog.services import catalog_load_sample
    from yimen.common.testing import ledger_settings

    keys = tmp_path_factory.mktemp("ledger")
    with (
        django_db_blocker.unblock(),
        override_settings(**ledger_settings(keys)),
        transaction.atomic(),
    ):
        places = chancheng()
        department_all()
        catalog_load_sample()
        services.triggers_load()
        yield places
        transaction.set_rollback(True)


@pytest.fixture
def world(sample, db):
    return sample


def offers_of(person) -> list[str]:
    return sorted(Offer.objects.filter(person=person).values_list("item__implementation_code", flat=True))


def decide(case: Case, approver) -> Case:
    for _ in range(6):
        try:
            return cases.case_approve(case=case, actor=approver, opinion="同意")
        except DomainError:
            case = cases.case_step_complete(case=case, actor=approver, opinion="材料齐全")
    raise AssertionError("case could not be approved")


# ----------------------------------------------------------------------------------------- rules


def test_the_shipped_rules_load_once_and_cover_every_trigger_kind(world):
    specs = fixture_read()
    assert LifeEventTrigger.objects.count() == len(specs)
    assert {s.kind for s in specs} == set(
        LifeEventTrigger._meta.get_field("kind").choices
        and dict(LifeEventTrigger._meta.get_field("kind").choices)
    )
    assert services.triggers_load() == {"created": 0, "updated": 0, "unchanged": len(specs)}


def spec(**kw) -> TriggerSpec:
    base = dict(
        code="test_rule",
        name="测试规则",
        kind="birthday",
        params={"ages": [90]},
        offers=[ELDER_CARD],
        event_text="祝您{age}周岁生日快乐",
    )
    return TriggerSpec(**{**base, **kw})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "wedding"}, "kind: 未知触发事件 “wedding”"),
        ({"params": {"ages": [90], "when": 1}}, "params.when: “birthday”规则没有参数 “when”"),
        ({"params": {"ages": [90, 200]}}, "params.ages[1]: 应为 1 到 120 之间的整数"),
        (
            {"offers": [ELDER_CARD, "11440604000000000X0000000000000"]},
            "offers[1]: 事项 11440604000000000X0000000000000 不在事项目录中",
        ),
        ({"offers": []}, "offers: 请至少列出一个推送事项"),
        (
            {"event_text": "您的{licence}到期了"},
            "event_text: “birthday”规则的事件说明不能使用占位符 {licence}",
        ),
        ({"event_text": "祝您{age周岁"}, "event_text:"),
        ({"template": "campaign_elderly_care"}, "template: 模板 campaign_elderly_care 使用了占位符 {age}"),
        ({"template": "no_such_template"}, "template: 消息模板 no_such_template 不存在"),
        (
            {"kind": "case_completed", "params": {"item": "nope"}, "event_text": "您的{item}已办结"},
            "params.item: 事项 nope 不在事项目录中",
        ),
        (
            {"kind": "graduation", "params": {"age": 6, "day": "13-01"}, "event_text": "x"},
            "params.day: 应为 MM-DD 格式的日期",
        ),
        ({"life_stage": "space"}, "life_stage: 未知人生阶段 “space”"),
    ],
)
def test_a_bad_rule_is_refused_with_the_exact_problem_and_nothing_is_written(world, change, message):
    manager = UserFactory(role=Role.DATA_ADMIN)
    before = LifeEventTrigger.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.trigger_save(spec=spec(**change), actor=manager)
    assert err.value.message.startswith(message), err.value.message
    assert LifeEventTrigger.objects.count() == before


def test_only_a_notification_manager_may_change_rules(world):
    from yimen.common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.trigger_save(spec=spec(), actor=UserFactory(role=Role.WINDOW_CLERK))
    saved = services.trigger_save(spec=spec(), actor=UserFactory(role=Role.DATA_ADMIN))
    assert saved.params == {"ages": [90]} and list(
        saved.offers.values_list("implementation_code", flat=True)
    ) == [ELDER_CARD]
    with pytest.raises(Conflict):
        services.trigger_save(spec=spec(), actor=UserFactory(role=Role.DATA_ADMIN))


def test_a_bad_rules_file_names_the_rule_and_loads_nothing(world, tmp_path):
    path = tmp_path / "t.yaml"
    rules = {
        "format": "yimen-triggers/1",
        "triggers": [
            {
                "code": "fine_rule",
                "name": "好规则",
                "kind": "death",
                "event_text": "节哀",
                "offers": [ELDER_CARD],
            },
            {
                "code": "broken_rule",
                "name": "坏规则",
                "kind": "birthday",
                "params": {"ages": []},
                "event_text": "x",
                "offers": [ELDER_CARD],
            },
        ],
    }
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"^broken_rule: params.ages: 请列出"):
        services.triggers_load(path=path)
    assert not LifeEventTrigger.objects.filter(code="fine_rule").exists()


# ------------------------------------------------------------------------------------ event kinds


def test_completing_birth_registration_offers_the_birth_stage_items_once(
    world, django_capture_on_commit_callbacks
):
    home = Household.objects.create(number="440604012013001", division=world["peide"], address="福宁路1号")
    mother = PersonFactory(
        gender="F", birth_date=dt.date(1996, 5, 2), residence_division=world["peide"], household=home
    )
    clerk = UserFactory(role=Role.WINDOW_CLERK, department=Department.objects.get(code="ZSJ"))
    version = ServiceItem.objects.get(implementation_code=BIRTH_REGISTRATION).current_version
    approver = UserFactory(role=Role.APPROVER, department=version.department)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_take_in(
            actor=clerk,
            decision="accept",
            item=BIRTH_REGISTRATION,
            id_number=mother.id_number,
            form_data={
                "wife_id_number": mother.id_number,
                "husband_id_number": PersonFactory(gender="M").id_number,
                "child_order": 1,
                "expected_date": "2026-12-01",
            },
            paper=["marriage_certificate", "birth_registration_form"],
        )
    assert offers_of(mother) == []  # accepting is not completing
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, approver)
    rule = LifeEventTrigger.objects.get(code="after_birth_registration")
    assert offers_of(mother) == sorted(rule.offers.values_list("implementation_code", flat=True))
    note = Notification.objects.get(
        person=mother, dedupe_key=f"trigger:after_birth_registration:case:{case.number}"
    )
    assert (
        "生育登记" in note.body and "免费产前检查券" in note.body and note.action_url == "/proactive/offers/"
    )
    # The same event again (a replayed task) offers nothing new.
    assert (
        services.triggers_fire_event(kind="case_completed", case_id=case.pk)["after_birth_registration"][
            "new"
        ]
        == 0
    )
    assert Notification.objects.filter(person=mother).count() == 1


def test_any_other_completed_case_offers_the_related_items_of_the_catalog(world):
    """内地居民结婚登记 has no rule of its own: its related items in the catalog are offered."""
    bride = PersonFactory(gender="F", birth_date=dt.date(1995, 2, 2))
    item = ServiceItem.objects.get(implementation_code=MARRIAGE)
    case = case_row(
        item.current_version,
        submitted_by=UserFactory(role=Role.WINDOW_CLERK),
        decided_on=dt.date(2026, 6, 1),
        person=bride,
        status="approved",
    )
    result = services.triggers_fire_event(kind="case_completed", case_id=case.pk)
    assert set(result) == {"related_after_completion"}
    related = sorted(item.current_version.related_items.values_list("implementation_code", flat=True))
    assert related and offers_of(bride) == related
    assert Offer.objects.filter(person=bride).first().event == "您的内地居民结婚登记已办结"


def test_an_item_with_its_own_rule_is_not_also_offered_its_related_items(offered):
    mother, _user = offered
    codes = set(Offer.objects.filter(person=mother).values_list("trigger__code", flat=True))
    assert codes == {"after_birth_registration"}


def test_a_registered_newborn_offers_the_parents_the_newborn_items(world, django_capture_on_commit_callbacks):
    mother = PersonFactory(gender="F", birth_date=dt.date(1995, 1, 1))
    father = PersonFactory(gender="M", birth_date=dt.date(1994, 1, 1))
    today = dt.date.today()
    from yimen.common.identity import make_id_number

    with django_capture_on_commit_callbacks(execute=True):
        baby = registry.person_create(
            id_number=make_id_number("440604", today - dt.timedelta(days=3), 17), name="陈小宝"
        )
        relate(mother, baby)
        relate(father, baby)
    assert {o.person_id for o in Offer.objects.filter(trigger__code="newborn_registered")} == {
        mother.pk,
        father.pk,
    }
    assert Offer.objects.filter(about_person=baby).count() == 2 * 5


def test_a_newborn_whose_parents_are_linked_later_is_found_by_the_scan(world):
    mother = PersonFactory(gender="F", birth_date=dt.date(1995, 1, 1))
    baby = PersonFactory(birth_date=TODAY - dt.timedelta(days=10))
    services.triggers_fire_event(kind="birth", person_id=baby.pk)
    assert not Offer.objects.exists()  # no parent known yet
    relate(mother, baby)
    scan.scan_day(TODAY, codes=["newborn_registered"])
    assert Offer.objects.filter(person=mother, trigger__code="newborn_registered").count() == 5


def test_a_death_offers_the_after_death_items_to_the_living_family_only(
    world, django_capture_on_commit_callbacks
):
    elder = PersonFactory(birth_date=dt.date(1940, 3, 3))
    spouse = PersonFactory(birth_date=dt.date(1942, 3, 3))
    son = PersonFactory(birth_date=dt.date(1968, 3, 3))
    gone = PersonFactory(birth_date=dt.date(1966, 3, 3), deceased=True)
    stranger = PersonFactory()
    Relation.objects.create(person=elder, relative=spouse, kind=Relation.Kind.SPOUSE)
    relate(elder, son)
    relate(elder, gone)
    with django_capture_on_commit_callbacks(execute=True):
        registry.person_record_death(person=elder, death_date=dt.date.today())
    family = set(Offer.objects.filter(trigger__code="family_bereavement").values_list("person_id", flat=True))
    assert family == {spouse.pk, son.pk}
    assert not Offer.objects.filter(person__in=[gone, stranger, elder]).exists()
    assert Offer.objects.filter(person=son, about_person=elder).count() == 6


def test_an_established_enterprise_offers_its_legal_representative_the_opening_items(
    world, django_capture_on_commit_callbacks
):
    boss = PersonFactory(birth_date=dt.date(1985, 7, 7))
    from yimen.common.identity import make_uscc

    with django_capture_on_commit_callbacks(execute=True):
        ent = registry.enterprise_create(
            uscc=make_uscc("9", "1", "440604", "MA7Q2W3E"),
            name="佛山市禅城区好味道餐饮有限公司",
            kind="limited",
            division=world["peide"],
            registered_address="祖庙路8号",
            established_date=dt.date.today(),
            legal_representative=boss,
        )
    assert len(offers_of(boss)) == 4
    assert set(Offer.objects.filter(person=boss).values_list("enterprise_id", flat=True)) == {ent.pk}
    assert (
        Offer.objects.filter(person=boss).first().event.startswith("佛山市禅城区好味道餐饮有限公司已设立登记")
    )


# ------------------------------------------------------------------------------------- date kinds


def test_birthdays_offer_the_elderly_items_on_the_day_only(world):
    eighty = PersonFactory(birth_date=dt.date(1946, 6, 15))
    almost = PersonFactory(birth_date=dt.date(1946, 6, 16))
    seventy_one = PersonFactory(birth_date=dt.date(1955, 6, 15))
    dead = PersonFactory(birth_date=dt.date(1956, 6, 15), deceased=True)
    result = scan.scan_day(TODAY, codes=["elderly_birthday"])["elderly_birthday"]
    assert result["new"] == 1
    assert len(offers_of(eighty)) == 3
    assert offers_of(almost) == offers_of(seventy_one) == offers_of(dead) == []
    assert (
        Offer.objects.get(person=eighty, item__implementation_code=ELDER_CARD).event == "祝您80周岁生日快乐"
    )


def test_a_29_february_birthday_is_celebrated_on_the_28th_in_a_common_year(world):
    leap = PersonFactory(birth_date=dt.date(1964, 2, 29))
    scan.scan_day(dt.date(2024, 2, 28), codes=["elderly_birthday"])
    assert offers_of(leap) == []  # 2024 is a leap year: the birthday is the 29th
    scan.scan_day(dt.date(2024, 2, 29), codes=["elderly_birthday"])
    assert len(offers_of(leap)) == 3
    other = PersonFactory(birth_date=dt.date(1956, 2, 29))
    scan.scan_day(dt.date(2026, 2, 28), codes=["elderly_birthday"])
    assert len(offers_of(other)) == 3


def test_reaching_retirement_age_depends_on_gender(world):
    man = PersonFactory(gender="M", birth_date=dt.date(1966, 6, 15))
    woman = PersonFactory(gender="F", birth_date=dt.date(1971, 6, 15))
    woman_60 = PersonFactory(gender="F", birth_date=dt.date(1966, 6, 15))
    scan.scan_day(TODAY, codes=["retirement_age_reached"])
    assert len(offers_of(man)) == len(offers_of(woman)) == 4
    assert offers_of(woman_60) == []
    assert Offer.objects.filter(person=woman).first().event == "您已年满55周岁，达到法定退休年龄"


def test_the_school_cohort_is_offered_to_parents_on_the_rule_day(world):
    parent = PersonFactory(birth_date=dt.date(1990, 1, 1))
    six = PersonFactory(birth_date=dt.date(2020, 8, 31))  # 6 on 31 August 2026
    too_young = PersonFactory(birth_date=dt.date(2020, 9, 1))
    relate(parent, six)
    relate(parent, too_young)
    assert (
        scan.scan_day(dt.date(2026, 3, 31), codes=["primary_school_age"])["primary_school_age"]["hits"] == 0
    )
    scan.scan_day(dt.date(2026, 4, 1), codes=["primary_school_age"])
    assert set(Offer.objects.filter(person=parent).values_list("about_person_id", flat=True)) == {six.pk}
    assert Offer.objects.filter(person=parent).first().event == "2026年秋季，您的孩子满6周岁，可以报名上小学"


def test_an_expiring_licence_offers_its_renewal_to_the_enterprises_representative(world):
    boss = PersonFactory()
    ent = EnterpriseFactory(legal_representative=boss, division=world["peide"])
    agent = UserFactory(role=Role.ENTERPRISE_AGENT, enterprise=ent)
    item = ServiceItem.objects.get(implementation_code=FOOD_LICENCE)
    case = case_row(item.current_version, submitted_by=agent, decided_on=dt.date(2021, 7, 15), enterprise=ent)
    certificate_row(case, issued_on=dt.date(2021, 7, 15), valid_until=TODAY + dt.timedelta(days=30))
    scan.scan_day(TODAY - dt.timedelta(days=1), codes=["licence_renewal"])
    assert offers_of(boss) == []  # 31 days ahead: not yet
    scan.scan_day(TODAY, codes=["licence_renewal"])
    assert offers_of(boss) == [FOOD_LICENCE]
    again = scan.scan_day(TODAY + dt.timedelta(days=1), codes=["licence_renewal"])["licence_renewal"]
    assert (again["hits"], again["new"]) == (1, 0)  # still within the window, already offered
    offer = Offer.objects.get(person=boss)
    assert offer.enterprise_id == ent.pk and "食品经营许可证将于" in offer.event


def test_the_daily_scan_catches_up_missed_days_and_never_scans_a_day_twice(world):
    PersonFactory(birth_date=dt.date(1946, 6, 13))  # 80 on 13 June
    PersonFactory(birth_date=dt.date(1956, 6, 14))  # 70 on 14 June
    services.triggers_scan(today=dt.date(2026, 6, 12))
    result = services.triggers_scan(today=TODAY)  # the 13th and 14th were missed
    assert list(result) == ["2026-06-13", "2026-06-14", "2026-06-15"]
    assert Offer.objects.filter(trigger__code="elderly_birthday").values("person").distinct().count() == 2
    assert services.triggers_scan(today=TODAY) == {}
    assert TriggerScan.objects.count() == 4


# ---------------------------------------------------------------------------------- citizen side


@pytest.fixture
def offered(world):
    """A woman whose birth registration completed: her four offers."""
    mother = PersonFactory(gender="F", birth_date=dt.date(1996, 5, 2), residence_division=world["peide"])
    user = UserFactory(role=Role.CITIZEN, person=mother)
    case = case_row(
        ServiceItem.objects.get(implementation_code=BIRTH_REGISTRATION).current_version,
        submitted_by=user,
        decided_on=dt.date(2026, 6, 1),
        person=mother,
        status="approved",
        channel="online",
    )
    services.triggers_fire_event(kind="case_completed", case_id=case.pk)
    return mother, user


def test_a_one_click_offer_files_the_application_with_reused_materials(offered):
    mother, user = offered
    offer = Offer.objects.get(person=mother, item__implementation_code=PRENATAL_VOUCHER)
    case = services.offer_apply(offer_id=offer.pk, actor=user)
    assert case.applicant_person_id == mother.pk and case.channel == "online"
    assert {m.state for m in case.materials.filter(required=True)} == {"reused"}
    offer.refresh_from_db()
    assert offer.state == OfferState.APPLIED and offer.case_id == case.pk
    assert services.offer_apply(offer_id=offer.pk, actor=user).pk == case.pk  # a double click: same case


def test_an_offer_that_needs_materials_is_not_one_click(offered):
    mother, user = offered
    from yimen.proactive.selectors import offers_of as selector

    rows = {r.version.item.implementation_code: r for g in selector(user) for r in g.rows}
    not_one_click = [code for code, r in rows.items() if not r.check.ok]
    assert not_one_click, "the birth-stage offers include at least one item needing materials"
    offer = Offer.objects.get(person=mother, item__implementation_code=not_one_click[0])
    with pytest.raises(ValidationFailed, match="该事项不能一键申请，还需要"):
        services.offer_apply(offer_id=offer.pk, actor=user)
    assert not Case.objects.filter(item=offer.item).exists()


def test_someone_elses_offer_is_not_found_and_a_dismissed_one_stays_dismissed(offered):
    mother, user = offered
    offer = Offer.objects.filter(person=mother).first()
    stranger = UserFactory(role=Role.CITIZEN, person=PersonFactory())
    with pytest.raises(NotFound):
        services.offer_apply(offer_id=offer.pk, actor=stranger)
    with pytest.raises(NotFound):
        services.offer_dismiss(offer_id=offer.pk, actor=stranger)
    services.offer_dismiss(offer_id=offer.pk, actor=user)
    with pytest.raises(Conflict):
        services.offer_apply(offer_id=offer.pk, actor=user)


def test_my_reminders_and_the_portal_show_the_offers_with_apply_buttons(offered):
    mother, user = offered
    client = Client()
    client.force_login(user)
    inbox = client.get("/notify/").content.decode()
    assert "为您推荐" in inbox and "免费产前检查券" in inbox and "一键申请" in inbox
    assert "您的生育登记（计划生育服务证办理）已办结" in inbox
    home = client.get("/").content.decode()
    assert "为您推荐" in home and "查看全部 4 项推荐服务" in home
    page = client.get("/proactive/offers/").content.decode()
    assert page.count('class="offer"') == 4
    offer = Offer.objects.get(person=mother, item__implementation_code=PRENATAL_VOUCHER)
    response = client.post(f"/proactive/offers/{offer.pk}/apply/")
    case = Case.objects.get(item=offer.item)
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    anonymous = Client().get("/").content.decode()
    assert "为您推荐" not in anonymous


def test_staff_see_the_rules_with_what_they_did(offered):
    staff = UserFactory(role=Role.WINDOW_CLERK)
    client = Client()
    client.force_login(staff)
    body = client.get("/proactive/triggers/").content.decode()
    assert "生育登记办结后" in body and "免费产前检查券" in body
    citizen = Client()
    citizen.force_login(offered[1])
    assert citizen.get("/proactive/triggers/").status_code == 403


def test_offers_skip_a_person_who_died(world):
    elder = PersonFactory(birth_date=dt.date(1946, 6, 15))
    Person.objects.filter(pk=elder.pk).update(status=Person.Status.DECEASED, death_date=TODAY)
    assert scan.scan_day(TODAY, codes=["elderly_birthday"])["elderly_birthday"]["hits"] == 0


def test_the_admin_form_puts_a_rule_problem_on_the_field_it_concerns(world):
    from yimen.proactive.admin import LifeEventTriggerForm

    base = {
        "code": "admin_rule",
        "name": "后台规则",
        "kind": "birthday",
        "event_text": "祝您{age}周岁生日快乐",
        "enabled": True,
        "params_yaml": "ages: [90]",
        "offer_codes": ELDER_CARD,
        "template_code": "life_event_offer",
    }
    assert LifeEventTriggerForm(data=base).is_valid()
    cases = {
        "offer_codes": {"offer_codes": "11440604000000000X0000000000000"},
        "params_yaml": {"params_yaml": "ages: [200]"},
        "template_code": {"template_code": "no_such_template"},
        "life_stage_code": {"life_stage_code": "space"},
        "event_text": {"event_text": "您的{licence}到期了"},
    }
    for field, change in cases.items():
        form = LifeEventTriggerForm(data={**base, **change})
        assert not form.is_valid() and field in form.errors, (field, form.errors)
