"""Public-opinion import (网络舆情): a good CSV or JSONL file becomes located, classified 舆情 reports; a
bad file is refused with file:line and the reason and imports nothing; a re-import skips known URLs."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from yimen.events.models import Channel, Event, OpinionPost, Report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

HEADER = "source,url,posted_at,text,address\n"
GOOD = [
    (
        "微博",
        "https://weibo.example/1",
        "2026-03-03 21:10",
        "祖庙街道一带餐馆后门油烟直排，熏得睡不着",
        "祖庙街道",
    ),
    (
        "本地论坛",
        "https://bbs.example/t/2",
        "2026-03-03T08:00:00+08:00",
        "路口井盖松动，车压过去哐哐响",
        "石湾镇街道",
    ),
]


def csv_file(tmp_path, rows, name="posts.csv", header=HEADER):
    path = tmp_path / name
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(path):
    out = io.StringIO()
    call_command("events", "import-opinion", str(path), stdout=out)
    return out.getvalue()


def test_a_good_csv_imports_located_classified_reports(tmp_path, people):
    output = run(csv_file(tmp_path, GOOD))
    assert "新增 imported 2" in output and "skipped 0" in output
    posts = OpinionPost.objects.select_related("report__event__subcategory", "report__event__street")
    by_url = {p.url: p.report for p in posts}
    oil, manhole = by_url[GOOD[0][1]], by_url[GOOD[1][1]]
    assert oil.channel == Channel.OPINION and oil.event.channel == Channel.OPINION
    assert oil.event.subcategory.code == "0301" and oil.event.street.name == "祖庙街道"
    assert manhole.event.subcategory.code == "0502" and manhole.event.street.name.startswith("石湾镇")
    assert OpinionPost.objects.get(url=GOOD[0][1]).source == "微博"
    client = Client()
    client.force_login(people["command"])
    html = client.get(f"/events/e/{oil.event.number}/").content.decode()
    assert GOOD[0][1] in html and "网络舆情" in html


def test_a_jsonl_file_and_a_reimport_is_idempotent(tmp_path, people):
    path = tmp_path / "posts.jsonl"
    lines = [dict(zip(("source", "url", "posted_at", "text", "address"), r, strict=True)) for r in GOOD]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    assert "新增 imported 2" in run(path)
    again = run(csv_file(tmp_path, [*GOOD, GOOD[0]]))  # the same URLs (and one twice in the file)
    assert "新增 imported 0" in again and "skipped 3" in again
    assert Report.objects.count() == 2


BAD_CASES = {
    "missing column": (HEADER.replace(",address", ""), [r[:4] for r in GOOD], ":1: ", "address"),
    "bad date": (
        HEADER,
        [GOOD[0], ("微博", "https://x.example/3", "三月三日", "垃圾没人收", "祖庙街道")],
        ":3: ",
        "posted_at",
    ),
    "outside": (
        HEADER,
        [GOOD[0], ("微博", "https://x.example/4", "2026-03-03 10:00", "垃圾没人收", "广州市天河区")],
        ":3: ",
        "地址",
    ),
    "empty text": (
        HEADER,
        [("微博", "https://x.example/5", "2026-03-03 10:00", "", "祖庙街道"), GOOD[1]],
        ":2: ",
        "text",
    ),
    "bad url": (
        HEADER,
        [GOOD[0], ("微博", "not-a-url", "2026-03-03 10:00", "垃圾没人收", "祖庙街道")],
        ":3: ",
        "url",
    ),
}


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_file_is_refused_with_file_line_and_imports_nothing(tmp_path, people, case):
    header, rows, where, why = BAD_CASES[case]
    path = csv_file(tmp_path, rows, header=header)
    with pytest.raises(CommandError) as info:
        run(path)
    message = str(info.value)
    assert f"{path}{where}" in message and why in message and "未导入任何内容" in message
    assert not Report.objects.exists() and not Event.objects.exists() and not OpinionPost.objects.exists()


def test_an_undecodable_file_names_the_line(tmp_path, people):
    path = tmp_path / "posts.csv"
    path.write_bytes(
        (HEADER + ",".join(GOOD[0]) + "\n").encode()
        + "微博,https://x.example/6,2026-03-03 10:00,垃圾,祖庙街道\n".encode("gbk")
    )
    with pytest.raises(CommandError, match=r"posts\.csv:3: .*UTF-8"):
        run(path)
    assert not Report.objects.exists()
