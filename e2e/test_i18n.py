"""The language switch: a phone user turns the portal to English and back, and stays where they were."""

from playwright.sync_api import expect


def test_switch_to_english_and_back_on_a_phone(mobile_page, catalog_world):
    page = mobile_page
    page.goto(page.base_url + "/themes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("主题办 · 一件事一次办")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(page.base_url + "/themes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Themes · one thing, done in one go")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="我要开餐馆").first).to_be_visible()  # content stays Chinese
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1

    page.goto(page.base_url + "/")  # the choice is remembered
    expect(page.get_by_role("heading", name="One door, done in one go")).to_be_visible()
    expect(page.get_by_role("link", name="Elderly care")).to_be_visible()
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="一门办理，一次办好")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
