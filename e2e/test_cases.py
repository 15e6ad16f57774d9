"""One window, one result: a clerk accepts a walk-in application for 老年人优待证 for a resident, an
approver of 民政局 approves it, and the certificate's QR URL shows it as valid."""

import datetime as dt

import pytest
from playwright.sync_api import expect

PASSWORD = "Yimen@2026-e2e"


@pytest.fixture
def one_door(catalog_world, tmp_path, settings):
    from yimen.accounts.models import Role
    from yimen.places.models import Department, Division
    from yimen.registry.tests.factories import PersonFactory, UserFactory

    settings.YIMEN_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.YIMEN_LEDGER_WITNESS = False
    settings.YIMEN_LEDGER_CHECKPOINT_INTERVAL = 0
    village = Division.objects.filter(level=Division.Level.VILLAGE, code__startswith="440604012").order_by(
        "code"
    )[0]
    elder = PersonFactory(birth_date=dt.date(1952, 6, 1), residence_division=village, hukou_division=village)
    clerk = UserFactory(
        username="clerk_e2e", role=Role.WINDOW_CLERK, department=Department.objects.get(code="ZSJ")
    )
    approver = UserFactory(
        username="approver_e2e", role=Role.APPROVER, department=Department.objects.get(code="MZJ")
    )
    for user in (clerk, approver):
        user.set_password(PASSWORD)
        user.save()
    return elder


def _login(page, username: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_clerk_accepts_approver_approves_certificate_verifies(page, browser, live_server, one_door):
    elder = one_door
    _login(page, "clerk_e2e")
    page.goto(page.base_url + "/cases/intake/")
    page.locator("#id_number").fill(elder.id_number)
    page.locator("#item_q").fill("优待证")
    page.get_by_label("老年人优待证办理").first.check()  # live item search (htmx)
    page.get_by_role("button", name="核对材料").click()
    check = page.locator("#check")
    expect(check.get_by_role("heading", name="老年人优待证办理")).to_be_visible()
    expect(check.get_by_text("免提交").first).to_be_visible()  # ID card and photo come from government data
    assert elder.name not in check.inner_text()  # the applicant is shown masked
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.get_by_role("heading", name="受理回执")).to_be_visible()
    number = page.locator("dt:has-text('办件编号') + dd").inner_text()
    assert number.startswith("440604")

    approver_ctx = browser.new_context(locale="zh-CN")
    approver = approver_ctx.new_page()
    approver.set_default_timeout(15_000)
    approver.base_url = page.base_url
    _login(approver, "approver_e2e")
    approver.goto(approver.base_url + "/cases/queue/")
    approver.get_by_role("link", name=number).click()
    approver.locator("#opinion").fill("符合条件，同意")
    approver.get_by_role("button", name="准予办理").click()
    expect(approver.locator("h1 .tag")).to_have_text("准予办理")
    approver.get_by_role("link", name="电子证照").click()
    expect(approver.get_by_text("证照真实有效")).to_be_visible()
    qr_url = approver.locator("figure.qr figcaption").inner_text().strip()
    approver_ctx.close()

    public = browser.new_context(locale="zh-CN")  # anyone who scans the QR code
    scan = public.new_page()
    scan.goto(qr_url)
    expect(scan.get_by_text("证照真实有效")).to_be_visible()
    expect(scan.get_by_role("heading", name="老年人优待证")).to_be_visible()
    assert elder.name not in scan.content() and elder.id_number not in scan.content()
    public.close()


RESTAURANT_DEPARTMENTS = ("SCJ", "XFJ", "CGJ", "ZJJ", "HBJ", "GAJ", "SWJ", "RSJ")


@pytest.fixture
def restaurant(one_door):
    """An enterprise opening a restaurant, and an approver in each department of 我要开餐馆."""
    from yimen.accounts.models import Role
    from yimen.places.models import Department
    from yimen.registry.tests.factories import EnterpriseFactory, UserFactory

    firm = EnterpriseFactory(division=one_door.residence_division)
    for code in RESTAURANT_DEPARTMENTS:
        user = UserFactory(
            username=f"approver_{code.lower()}_e2e",
            role=Role.APPROVER,
            department=Department.objects.get(code=code),
        )
        user.set_password(PASSWORD)
        user.save()
    return firm


def test_theme_open_restaurant_all_sub_cases_approved(page, browser, restaurant):
    """我要开餐馆: one window takes in the theme (merged materials checked once), each department
    approves its own sub-case in parallel, and the theme is done when all are."""
    _login(page, "clerk_e2e")
    page.goto(page.base_url + "/cases/themes/intake/open-restaurant/")
    expect(page.get_by_role("heading", name="我要开餐馆")).to_be_visible()
    page.locator("#uscc").fill(restaurant.uscc)
    for box in page.locator("input[name=paper]").all():  # originals checked at the window, once each
        box.check()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("h1 .tag")).to_have_text("并联审批中")
    numbers = page.locator("table tbody tr td:nth-child(3) a").all_inner_texts()
    assert len(numbers) == 9

    for code in RESTAURANT_DEPARTMENTS:
        ctx = browser.new_context(locale="zh-CN")
        approver = ctx.new_page()
        approver.set_default_timeout(15_000)
        approver.base_url = page.base_url
        _login(approver, f"approver_{code.lower()}_e2e")
        approver.goto(approver.base_url + "/cases/queue/")
        mine = [n for n in numbers if approver.get_by_role("link", name=n).count()]
        assert mine, code
        for number in mine:
            approver.goto(approver.base_url + "/cases/queue/")
            approver.get_by_role("link", name=number).click()
            while approver.get_by_role("button", name="完成本环节").count():
                approver.locator("#opinion").fill("材料齐全，符合要求")
                approver.get_by_role("button", name="完成本环节").click()
                approver.wait_for_load_state()
            approver.locator("#opinion").fill("同意")
            approver.get_by_role("button", name="准予办理").click()
            expect(approver.locator("h1 .tag")).to_have_text("准予办理")
        ctx.close()

    page.reload()
    expect(page.locator("h1 .tag")).to_have_text("全部办结")
    statuses = page.locator("table tbody tr td:nth-child(4)").all_inner_texts()
    assert statuses == ["准予办理"] * 9


def test_citizen_applies_online_with_zero_uploads_and_downloads_the_result(page, browser, one_door):
    """个人参保证明打印: the ID card and the contribution record come from government data, so the
    citizen uploads nothing; a window accepts, 人社局 approves, the citizen downloads the 证明."""
    from yimen.accounts.models import Role
    from yimen.places.models import Department
    from yimen.registry.tests.factories import UserFactory

    citizen = UserFactory(username="citizen_e2e", role=Role.CITIZEN, person=one_door)
    approver = UserFactory(
        username="approver_rsj_e2e", role=Role.APPROVER, department=Department.objects.get(code="RSJ")
    )
    for user in (citizen, approver):
        user.set_password(PASSWORD)
        user.save()

    _login(page, "citizen_e2e")
    page.goto(page.base_url + "/cases/mine/")
    page.get_by_role("searchbox").fill("参保证明")
    page.get_by_role("button", name="查找").click()
    page.locator("li", has_text="个人参保证明打印").get_by_role("link", name="网上申请").click()
    expect(page.get_by_role("heading", name="网上申请：个人参保证明打印")).to_be_visible()
    assert page.locator("input[type=file]").count() == 0  # 材料零提交
    expect(page.get_by_text("免提交")).to_have_count(2)
    page.get_by_label("养老保险").check()
    page.get_by_label("医疗保险").check()
    page.locator("#f-period_from").fill("2024-01")
    page.locator("#f-period_to").fill("2025-12")
    page.get_by_role("button", name="提交申请").click()
    number = page.locator("dt:has-text('办件编号') + dd").inner_text()
    assert number.startswith("440604")

    for username, button in (("clerk_e2e", "受理"), ("approver_rsj_e2e", "准予办理")):
        ctx = browser.new_context(locale="zh-CN")
        staff = ctx.new_page()
        staff.set_default_timeout(15_000)
        staff.base_url = page.base_url
        _login(staff, username)
        staff.goto(staff.base_url + "/cases/queue/")
        staff.get_by_role("link", name=number).first.click()
        staff.get_by_role("button", name=button, exact=True).click()
        staff.wait_for_load_state()
        ctx.close()

    page.goto(page.base_url + "/cases/mine/")
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1 .tag")).to_have_text("准予办理")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载办理结果").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
