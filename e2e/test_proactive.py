"""A staff member builds "80岁以上独居老人 in 祖庙街道" in the segment builder and sees the count live."""

import pytest
from playwright.sync_api import expect


@pytest.fixture
def tagged_world(django_db_serialized_rollback, transactional_db, settings, tmp_path):
    """The crafted households of the proactive tests, every tag computed, and an analyst account."""
    settings.YIMEN_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.YIMEN_LEDGER_WITNESS = False
    from yimen.accounts.models import Role, User
    from yimen.proactive import bitmaps, segment_names
    from yimen.proactive.services import tags_load, tags_recompute_all
    from yimen.proactive.tests.factories import TODAY, population_build

    bitmaps.cache.clear()
    segment_names.reset()
    population = population_build()
    tags_load(actor="system")
    tags_recompute_all(today=TODAY)
    User.objects.create_user(
        username="analyst", password="Yimen@2026", role=Role.DATA_ADMIN, full_name="数据分析员"
    )
    yield population
    bitmaps.cache.clear()
    segment_names.reset()


def test_staff_builds_the_elderly_living_alone_group_and_sees_the_count(page, tagged_world):
    from yimen.proactive.segments import segment_evaluate

    expected = segment_evaluate("80岁及以上 且 独居 且 祖庙街道").count
    assert expected >= 1  # the 85-year-old woman living alone in 培德社区
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "Yimen@2026")
    page.get_by_role("button", name="登录").click()
    page.goto(page.base_url + "/proactive/segments/")
    page.locator("#expression").fill("80岁及以上 且 独居 且 祖庙街道")
    count = page.locator("#segment-result .segment-count strong")
    expect(count).to_have_text(str(expected))  # updated while typing (htmx), no submit
    # the list is masked: no full ID number on the page
    expect(page.locator("#segment-result table tbody tr").first).to_contain_text("*")
    # a word that is neither a tag nor a division is refused, naming it
    page.locator("#expression").fill("80岁及以上 且 独居 且 不存在的标签XYZ")
    expect(page.locator("#segment-result [role=alert]")).to_contain_text("XYZ")


PASSWORD = "Yimen@2026"
BIRTH_REGISTRATION = "11440604007523445P4200122001000"
MARRIAGE = "11440604007523103C4070107001000"


@pytest.fixture
def expecting_mother(catalog_world, settings, tmp_path):
    """A married woman with her own account (her 结婚证 is an e-certificate), the window clerk and the
    health bureau's approver, and the shipped life-event rules."""
    settings.YIMEN_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.YIMEN_LEDGER_WITNESS = False
    settings.YIMEN_LEDGER_CHECKPOINT_INTERVAL = 0
    import datetime as dt

    from yimen.accounts.models import Role
    from yimen.catalog.models import ServiceItem
    from yimen.places.models import Department, Division
    from yimen.proactive.services import triggers_load
    from yimen.proactive.tests.factories import case_row, certificate_row
    from yimen.registry.models import Household
    from yimen.registry.tests.factories import PersonFactory, UserFactory

    triggers_load()
    village = Division.objects.filter(level=Division.Level.VILLAGE, code__startswith="440604012").order_by(
        "code"
    )[0]
    home = Household.objects.create(number="440604012001088", division=village, address="福宁路88号")
    mother = PersonFactory(
        name="梁嘉欣",
        gender="F",
        birth_date=dt.date(1996, 5, 2),
        residence_division=village,
        hukou_division=village,
        household=home,
    )
    husband = PersonFactory(name="陈志明", gender="M", birth_date=dt.date(1994, 9, 9), household=home)
    citizen = UserFactory(username="mother_e2e", role=Role.CITIZEN, person=mother)
    clerk = UserFactory(
        username="clerk_birth", role=Role.WINDOW_CLERK, department=Department.objects.get(code="ZSJ")
    )
    marriage = ServiceItem.objects.get(implementation_code=MARRIAGE)
    wedding = case_row(
        marriage.current_version, submitted_by=clerk, decided_on=dt.date(2024, 5, 20), person=mother
    )
    certificate_row(wedding, issued_on=dt.date(2024, 5, 20))  # 结婚证, valid without end
    approver = UserFactory(
        username="approver_wjj",
        role=Role.APPROVER,
        department=ServiceItem.objects.get(implementation_code=BIRTH_REGISTRATION).current_version.department,
    )
    citizen.set_password(PASSWORD)
    citizen.save()
    return {"mother": mother, "husband": husband, "clerk": clerk, "approver": approver}


def test_a_citizen_completes_birth_registration_and_is_offered_the_birth_stage(page, expecting_mother):
    from yimen.cases import services as cases
    from yimen.cases.models import Case
    from yimen.common.errors import DomainError

    w = expecting_mother
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "mother_e2e")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    # The citizen applies online: ID card, household register and her 结婚证 are reused, not uploaded.
    page.goto(page.base_url + f"/cases/apply/{BIRTH_REGISTRATION}/")
    page.fill("#f-wife_id_number", w["mother"].id_number)
    page.fill("#f-husband_id_number", w["husband"].id_number)
    page.fill("#f-child_order", "1")
    page.fill("#f-expected_date", "2027-03-01")
    # The registration form itself is filled in online and attached as the one material she gives.
    page.set_input_files(
        'input[name="file.birth_registration_form"]',
        files=[{"name": "生育登记表.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/receipt/")
    case = Case.objects.get(applicant_person=w["mother"], item__implementation_code=BIRTH_REGISTRATION)

    # The window accepts and the health bureau decides (the back office, through the same services).
    case = cases.case_accept(case=case, actor=w["clerk"])
    for _ in range(6):
        try:
            case = cases.case_approve(case=case, actor=w["approver"], opinion="同意")
            break
        except DomainError:
            case = cases.case_step_complete(case=case, actor=w["approver"], opinion="核验通过")
    assert case.status == "approved"

    # 我的提醒: the message, and the offers of the birth stage with a one-click button where no material is needed.
    page.goto(page.base_url + "/notify/")
    panel = page.locator(".offers-panel")
    expect(panel).to_contain_text("您的生育登记（计划生育服务证办理）已办结")
    expect(panel).to_contain_text("免费产前检查券")
    expect(panel).to_contain_text("生育津贴申领")
    expect(page.locator(".notify-list")).to_contain_text("您现在可以办理以下4项服务")
    voucher = panel.locator(".offer", has_text="免费产前检查券")
    expect(voucher).to_contain_text("一键办")
    voucher.get_by_role("button", name="一键申请").click()
    page.wait_for_url("**/cases/*/")
    expect(page.locator("body")).to_contain_text("已提交申请")
    assert Case.objects.filter(
        applicant_person=w["mother"], item__implementation_code="11440604007523445P4200122002000"
    ).exists()

    # The portal home shows what is still on offer, with a link to all of it.
    page.goto(page.base_url + "/")
    home = page.locator(".offers-panel")
    expect(home).to_contain_text("为您推荐")
    expect(home).to_contain_text("查看全部 3 项推荐服务")
    expect(home).not_to_contain_text("免费产前检查券")
