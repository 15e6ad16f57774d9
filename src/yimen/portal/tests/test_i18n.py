"""The English UI: pages, error messages and the shipped message catalogs.

Chinese is the source language and the default; English comes from the per-app catalogs in
`src/yimen/<app>/locale/en/`. Catalog content (item names, materials, division names) stays Chinese.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from yimen.catalog.tests.factories import department_all

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2]  # src/yimen

# UI labels per page: (Chinese source, English translation). Content (item and theme names) is not here.
HOME = [
    ("一门办理，一次办好", "One door, done in one go"),
    ("按人生阶段办事", "Services by life stage"),
    ("主题办 · 一件事一次办", "Themes · one thing, done in one go"),
    ("按部门查找全部事项", "All service items by department"),
    ("跳到正文", "Skip to content"),
    ("登录", "Sign in"),
    ("一门式政务服务", "One-door government services"),
    ("佛山市禅城区政务服务数据管理局 主办", "Run by the Chancheng District"),
]
GUIDE = [
    ("办事指南", "Service guide"),
    ("承诺办结时限", "Promised time limit"),
    ("法定办结时限", "Statutory time limit"),
    ("网上办理深度", "Online service depth"),
    ("申请材料", "Materials to submit"),
    ("受理条件", "Conditions"),
    ("去哪办", "Where to apply"),
    ("一门式：任一综合窗口均可受理", "One door: any service window accepts it"),
    ("事项编码", "Service item code"),
]
LOGIN = [
    ("登录一门", "Sign in to 一门 Yimen"),
    ("用户名", "Username"),
    ("密码", "Password"),
    ("演示账号", "Demo accounts"),
]
STAGES_EN = [
    "Birth",
    "Schooling",
    "Employment",
    "Marriage and family",
    "Housing",
    "Retirement",
    "After death",
]


def visible_text(html: str) -> str:
    """The text a reader sees, plus attribute text a screen reader announces or a field shows."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'(?:aria-label|placeholder|title)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


def page(client: Client, path: str, language: str | None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return visible_text(response.content.decode())


def assert_in_language(text: str, labels, *, english: bool) -> None:
    for zh, en in labels:
        shown, hidden = (en, zh) if english else (zh, en)
        assert shown in text, f"{shown!r} missing"
        assert hidden not in text, f"{hidden!r} shown in the {'English' if english else 'Chinese'} page"


@pytest.fixture
def sample_catalog(db):
    from yimen.catalog.services import catalog_load_sample

    department_all()
    catalog_load_sample()


@pytest.fixture
def guide_path(sample_catalog) -> str:
    from yimen.catalog import selectors

    return f"/items/{selectors.items_search('老年人优待证', limit=1)[0].item.implementation_code}/"


class TestHomePage:
    def test_english_by_accept_language(self, client: Client, sample_catalog):
        text = page(client, "/", "en")
        assert_in_language(text, HOME, english=True)
        for stage in STAGES_EN:
            assert stage in text
        assert "我要开餐馆" in text  # a theme name is catalog content and stays Chinese
        assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).content.decode()

    def test_chinese_by_default(self, client: Client, sample_catalog):
        text = page(client, "/", None)
        assert_in_language(text, HOME, english=False)
        assert "出生" in text and "Birth" not in text
        assert '<html lang="zh-Hans">' in client.get("/").content.decode()

    def test_the_language_cookie_wins_over_the_browser(self, client: Client, sample_catalog):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert_in_language(page(client, "/", "zh-CN,zh;q=0.9"), HOME, english=True)

    def test_the_switch_posts_to_set_language_and_comes_back(self, client: Client, sample_catalog):
        html = client.get("/").content.decode()
        assert 'action="/i18n/setlang/"' in html and 'name="language" value="en"' in html
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/themes/"})
        assert response.status_code == 302 and response["Location"] == "/themes/"
        assert "Themes · one thing, done in one go" in page(client, "/themes/", None)
        english = client.get("/").content.decode()
        assert 'name="language" value="zh-hans"' in english  # and back to Chinese


class TestItemGuide:
    def test_english(self, client: Client, guide_path):
        text = page(client, guide_path, "en")
        assert_in_language(text, GUIDE, english=True)
        assert "working days" in text  # the choice label of the time limit's day type
        assert "老年人优待证" in text and "居民身份证" in text  # item and material names are content

    def test_chinese(self, client: Client, guide_path):
        text = page(client, guide_path, "zh-hans")
        assert_in_language(text, GUIDE, english=False)
        assert "工作日" in text


class TestStaffSignIn:
    def test_english(self, client: Client):
        assert_in_language(page(client, "/accounts/login/", "en"), LOGIN, english=True)

    def test_chinese(self, client: Client):
        assert_in_language(page(client, "/accounts/login/", "zh-hans"), LOGIN, english=False)

    def test_a_wrong_password_is_explained_in_english(self, client: Client):
        response = client.post(
            "/accounts/login/", {"username": "nobody", "password": "wrong"}, headers={"Accept-Language": "en"}
        )
        assert "Please enter a correct username and password" in response.content.decode()


class TestApiErrors:
    def test_not_found_detail_follows_the_language(self, client: Client, sample_catalog):
        english = client.get("/api/catalog/items/NO-SUCH-ITEM/", headers={"Accept-Language": "en"})
        assert english.status_code == 404
        assert english.json()["detail"] == "Service item NO-SUCH-ITEM does not exist or is not published."
        chinese = client.get("/api/catalog/items/NO-SUCH-ITEM/")
        assert chinese.json()["detail"] == "事项 NO-SUCH-ITEM 不存在或未发布。"

    def test_field_errors_follow_the_language(self, client: Client):
        english = client.get("/api/places/divisions/", {"parent": "999"}, headers={"Accept-Language": "en"})
        assert english.status_code == 404
        assert english.json()["errors"] == {"parent": ["Division 999 not found"]}
        chinese = client.get(
            "/api/places/divisions/", {"parent": "999"}, headers={"Accept-Language": "zh-hans"}
        )
        assert chinese.json()["errors"] == {"parent": ["未找到区划 999"]}

    def test_service_errors_follow_the_active_language(self):
        from django.utils import translation

        from yimen.common.errors import ValidationFailed
        from yimen.common.identity import parse_id_number

        with translation.override("en"), pytest.raises(ValidationFailed) as caught:
            parse_id_number("44060419900101001")
        assert caught.value.message == "An ID number has 18 characters; this one has 17"
        with pytest.raises(ValidationFailed, match="身份证号码应为18位，实为17位"):
            parse_id_number("44060419900101001")

    def test_catalog_field_checks_name_the_field_in_the_active_language(self):
        from django.utils import translation

        from yimen.catalog.schema import clean_item_changes

        with translation.override("en"):
            [problem] = clean_item_changes({"promised_limit_days": "5"}, current={}).problems
        assert problem.message == "Promised time limit must be an integer, not text '5'"
        [problem] = clean_item_changes({"promised_limit_days": "5"}, current={}).problems
        assert problem.message == "承诺办结时限应为整数，实为文本 '5'"


# The catalogs: every message translated, nothing fuzzy, and the compiled .mo shipped beside each .po.


def po_entries(path: Path) -> list[dict]:
    """A small .po reader: each entry's flags, msgid and msgstr values (header included, msgid "")."""
    entries, current, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current and "msgid" in current:
                entries.append(current)
            current, key = None, None
            continue
        current = current if current is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key[0] == "msgstr":
                current["msgstr"][key[1]] += line[1:-1]
            else:
                current[key[0]] += line[1:-1]
        else:
            keyword, _, value = line.partition(" ")
            if keyword.startswith("msgstr"):
                key = ("msgstr", keyword)
                current["msgstr"][keyword] = value[1:-1]
            else:
                key = (keyword, None)
                current[keyword] = value[1:-1]
    return entries


CATALOGS = sorted(SRC.glob("*/locale/*/LC_MESSAGES/*.po")) + sorted(SRC.glob("locale/*/LC_MESSAGES/*.po"))


def test_the_apps_ship_english_catalogs():
    apps = {path.parts[-5] for path in CATALOGS}
    assert {"common", "places", "accounts", "registry", "catalog", "ledger", "portal", "demo"} <= apps


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(SRC)))
def test_every_message_is_translated_and_none_is_fuzzy(path: Path):
    entries = po_entries(path)
    assert entries, f"{path} has no entries"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"
    empty = [e["msgid"] for e in entries if e["msgid"] and not all(e["msgstr"].values())]
    assert not empty, f"untranslated in {path}: {empty}"
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} missing: run compilemessages"
    with compiled.open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    stale = [
        e["msgid"]
        for e in entries
        if e["msgid"]
        and "msgid_plural" not in e
        and compiled_translation(mo, e) != unescape(e["msgstr"]["msgstr"])
    ]
    assert not stale, f"{compiled} does not match {path.name} (run compilemessages): {stale}"


def compiled_translation(mo: gettext.GNUTranslations, entry: dict) -> str:
    msgid = unescape(entry["msgid"])
    return mo.pgettext(unescape(entry["msgctxt"]), msgid) if "msgctxt" in entry else mo.gettext(msgid)


def unescape(value: str) -> str:
    """A .po string's text: `\\n` is a newline, `\\"` a quote."""
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value)
