"""A citizen finds a service from the portal: search 优待证, open the guide, read its materials."""

from playwright.sync_api import expect


def test_search_find_open_the_guide_and_see_materials(page, catalog_world):
    page.goto(page.base_url + "/")
    expect(page.get_by_role("heading", name="一门办理，一次办好")).to_be_visible()
    page.get_by_role("searchbox").first.fill("优待证")
    result = page.locator("#live-results").get_by_role("link", name="老年人优待证").first
    expect(result).to_be_visible()  # live results while typing (htmx), no page load
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("老年人优待证")
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    materials = page.locator("table tbody tr")
    assert materials.count() >= 1
    expect(page.get_by_text("居民身份证").first).to_be_visible()
    expect(page.get_by_text("免提交").first).to_be_visible()


def test_search_without_javascript_fallback_page(page, catalog_world):
    page.goto(page.base_url + "/search/?q=%E4%BC%98%E5%BE%85%E8%AF%81")
    expect(page.get_by_role("link", name="老年人优待证").first).to_be_visible()


def test_life_stage_and_theme_pages_on_a_phone(mobile_page, catalog_world):
    page = mobile_page
    page.goto(page.base_url + "/")
    page.get_by_role("link", name="养老").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("养老")
    expect(page.get_by_role("link", name="老年人优待证").first).to_be_visible()
    page.goto(page.base_url + "/themes/")
    page.get_by_role("link", name="我要开餐馆").first.click()
    expect(page.get_by_role("heading", name="合并后的材料清单")).to_be_visible()
    # No horizontal scrolling of the page on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
