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
