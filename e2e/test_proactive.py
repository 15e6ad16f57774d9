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
