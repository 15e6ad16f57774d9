"""一网统管 end to end: a citizen reports with a map pin, the environment department's open inbox shows it
without a reload, the handler acts, the command centre verifies, the citizen sees the outcome and rates."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

TEXT = "祖庙路首层某汤粉店,后门窗口油烟直排扰民"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def events_world(django_db_serialized_rollback, transactional_db):
    """Places with small grids, the taxonomy, the demo staff and citizen accounts, a trained classifier."""
    from yimen.accounts.models import Role, User
    from yimen.events.classifier import installed_model
    from yimen.events.services import taxonomy_load
    from yimen.places.models import Department, Division
    from yimen.places.services import reference_load

    reference_load(grids="small")
    taxonomy_load()
    installed_model()  # train once here, not inside the citizen's request
    departments = {d.code: d for d in Department.objects.filter(code__in=["HBJ", "ZSJ"])}
    for username, role, dept, division in (
        ("citizen", Role.CITIZEN, None, None),
        ("handler_hb", Role.DEPARTMENT_HANDLER, "HBJ", None),
        ("command", Role.COMMAND_CENTRE, "ZSJ", None),
    ):
        User.objects.create_user(
            username=username,
            password="Yimen@2026",
            role=role,
            full_name=username,
            department=departments.get(dept),
            division=Division.objects.filter(code=division).first(),
        )


def login(page, username: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Yimen@2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_report_with_a_pin_reaches_the_open_inbox_live_and_is_closed_and_rated(
    browser, live_server, events_world, tmp_path: Path
):
    contexts = [
        browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}) for _ in range(3)
    ]
    citizen, handler, command = (c.new_page() for c in contexts)
    for page in (citizen, handler, command):
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
    try:
        login(handler, "handler_hb")
        handler.goto(handler.base_url + "/events/inbox/")
        expect(handler.locator("#live-status")).to_have_text("实时接收中")
        handler.evaluate("window.__noReload = true")

        login(citizen, "citizen")
        citizen.goto(citizen.base_url + "/events/report/")
        citizen.fill("#id_text", TEXT)
        citizen.wait_for_function("document.querySelector('[data-pin-map]').yimenMap !== undefined")
        citizen.evaluate("document.querySelector('[data-pin-map]').yimenMap.setView([23.03, 113.11], 16)")
        box = citizen.locator("#pin-map").bounding_box()
        citizen.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(citizen.locator("#pin-shown")).to_contain_text("23.03")
        photo = tmp_path / "scene.png"
        photo.write_bytes(PNG)
        citizen.set_input_files("#id_photos", str(photo))
        citizen.get_by_role("button", name="提交").click()
        expect(citizen.locator("#event-status")).to_have_text("已派遣")
        expect(citizen.get_by_text("餐饮油烟")).to_be_visible()
        number = re.search(r"SJ\d{14}", citizen.content()).group(0)

        # The handler's inbox, opened before the report, shows it without a reload.
        row = handler.locator(f"#ev-{number}")
        expect(row).to_be_visible(timeout=10_000)
        expect(row).to_contain_text("餐饮油烟")
        assert handler.evaluate("window.__noReload") is True

        row.get_by_role("link", name=number).click()
        handler.get_by_role("button", name="签收").click()
        handler.fill("#id_action", "已责令商户安装油烟净化设施并改至楼顶高空排放，复查达标")
        handler.set_input_files("#id_resolve_photos", str(photo))
        handler.get_by_role("button", name="办结").click()
        expect(handler.locator("#event-status")).to_have_text("待核查")

        login(command, "command")
        command.goto(command.base_url + f"/events/e/{number}/")
        command.get_by_role("button", name="核查通过，结案").click()
        expect(command.locator("#event-status")).to_have_text("已结案")

        citizen.reload()
        expect(citizen.locator("#event-status")).to_have_text("已结案")
        expect(citizen.locator("#outcome")).to_contain_text("油烟净化设施")
        citizen.get_by_label("4").check()
        citizen.get_by_role("button", name="提交评价").click()
        expect(citizen.get_by_text("您的评价: 4 / 5")).to_be_visible()
    finally:
        for c in contexts:
            c.close()
