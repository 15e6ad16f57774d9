"""Public-opinion import (网络舆情): posts about city problems, gathered from web platforms, become
reports on the 舆情 channel, located by the gazetteer address matcher and classified like any report.

    opinion_file_read(path)               parse and check the whole file; every problem as "file:line: why"
    opinion_import(rows=..., actor=...)   import checked rows in one transaction; a URL already imported
                                          (or repeated in the file) is skipped

Reading checks everything that could refuse a row (columns, encoding, dates, URL, text, address inside
the district) before anything is written, and the import is one transaction: a bad file imports nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yimen.common import audit
from yimen.common.errors import ValidationFailed
from yimen.events.locate import place_resolve
from yimen.events.models import Channel, OpinionPost
from yimen.events.services._base import now_or

COLUMNS = ("source", "url", "posted_at", "text", "address")
MAX_PROBLEMS = 50  # listed in the error; the count says how many more


@dataclass(frozen=True)
class OpinionRow:
    line: int
    source: str
    url: str
    posted_at: dt.datetime
    text: str
    address: str


class OpinionFileRefused(ValidationFailed):
    """The file has problems; `problems` lists (line, reason) and nothing was imported."""

    def __init__(self, name: str, problems: list[tuple[int, str]]):
        self.problems = problems
        listed = [f"{name}:{line}: {why}" for line, why in problems[:MAX_PROBLEMS]]
        more = len(problems) - len(listed)
        if more > 0:
            listed.append(_("……另有 %(n)d 处问题 (and %(n)d more)") % {"n": more})
        super().__init__(
            _("文件有误，未导入任何内容 (file refused, nothing imported):") + "\n" + "\n".join(listed),
            field="file",
        )


def _records(name: str, raw: bytes, kind: str) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """(line, record) pairs and the structural problems (encoding, columns, JSON)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [(line, _("无法按 UTF-8 解码 (not valid UTF-8)"))]
    records: list[tuple[int, dict]] = []
    problems: list[tuple[int, str]] = []
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return [], [(1, _("缺少列 (missing columns): %(c)s") % {"c": ", ".join(missing)})]
        try:
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    problems.append((reader.line_num, _("列数与表头不一致 (wrong number of fields)")))
                    continue
                records.append((reader.line_num, row))
        except csv.Error as exc:
            problems.append((reader.line_num, _("CSV 格式错误 (malformed CSV): %(e)s") % {"e": exc}))
        return records, problems
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            problems.append((number, _("不是有效的 JSON (not valid JSON)")))
            continue
        if not isinstance(record, dict):
            problems.append((number, _("每行应为一个 JSON 对象 (each line must be a JSON object)")))
            continue
        missing = [c for c in COLUMNS if c not in record]
        if missing:
            problems.append((number, _("缺少字段 (missing fields): %(c)s") % {"c": ", ".join(missing)}))
            continue
        records.append((number, record))
    return records, problems


def _posted_at(value: str, when: dt.datetime) -> dt.datetime:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(
            _("posted_at 须为日期时间，如 2026-03-04 10:00 或 2026-03-04T10:00:00+08:00 (bad date)")
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > when + dt.timedelta(minutes=10):
        raise ValueError(_("posted_at 晚于当前时间 (posted_at is in the future)"))
    return parsed


def _check(record: dict, when: dt.datetime, line: int) -> OpinionRow:
    values = {c: str(record.get(c) if record.get(c) is not None else "").strip() for c in COLUMNS}
    for column in COLUMNS:
        if not values[column]:
            raise ValueError(_("%(c)s 不能为空 (%(c)s is empty)") % {"c": column})
    if len(values["source"]) > 64:
        raise ValueError(_("source 过长，最多 64 字 (source too long)"))
    if len(values["url"]) > 500:
        raise ValueError(_("url 过长，最多 500 字符 (url too long)"))
    try:
        URLValidator(schemes=["http", "https"])(values["url"])
    except DjangoValidationError:
        raise ValueError(_("url 不是有效的 http(s) 链接 (not an http(s) URL)")) from None
    posted_at = _posted_at(values["posted_at"], when)
    from yimen.events.services.intake import TEXT_MAX

    if len(values["text"]) > TEXT_MAX:
        raise ValueError(_("text 过长，最多 %(n)d 字 (text too long)") % {"n": TEXT_MAX})
    if len(values["address"]) > 200:
        raise ValueError(_("address 过长，最多 200 字 (address too long)"))
    try:
        place_resolve(address=values["address"])
    except ValidationFailed as exc:
        raise ValueError(
            _("地址不在本区或无法识别 (address outside the district): %(e)s") % {"e": exc.message}
        ) from None
    return OpinionRow(line=line, posted_at=posted_at, **{c: values[c] for c in COLUMNS if c != "posted_at"})


def opinion_file_read(path: str | Path, *, now: dt.datetime | None = None) -> list[OpinionRow]:
    """Every row of a CSV or JSONL file (columns source, url, posted_at, text, address), checked; raises
    OpinionFileRefused listing each problem as file:line when there is any."""
    path = Path(path)
    kind = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(path.suffix.lower())
    if kind is None:
        raise OpinionFileRefused(path.name, [(0, _("仅支持 .csv 或 .jsonl 文件 (CSV or JSONL only)"))])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OpinionFileRefused(
            str(path), [(0, _("无法读取文件 (cannot read): %(e)s") % {"e": exc.strerror})]
        ) from None
    when = now_or(now)
    records, problems = _records(str(path), raw, kind)
    rows = []
    for line, record in records:
        try:
            rows.append(_check(record, when, line))
        except ValueError as exc:
            problems.append((line, str(exc)))
    if not records and not problems:
        problems.append((1, _("文件中没有记录 (no records)")))
    if problems:
        raise OpinionFileRefused(str(path), sorted(problems))
    return rows


@transaction.atomic
def opinion_import(
    *,
    rows: list[OpinionRow],
    actor: Any,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Import checked rows as 舆情 reports (one transaction): {"imported": n, "skipped": n}. A URL already
    imported, or seen earlier in the same file, is skipped, so a re-run after a failure imports the rest
    and duplicates nothing. `progress(done, total)` is called every 100 rows and at the end."""
    from yimen.events.services.intake import event_report

    when = now_or(now)
    known = set(OpinionPost.objects.filter(url__in=[r.url for r in rows]).values_list("url", flat=True))
    imported = skipped = 0
    for row in rows:
        if row.url in known:
            skipped += 1
            continue
        known.add(row.url)
        report = event_report(
            channel=Channel.OPINION, text=row.text, address=row.address, actor=actor, now=when
        )
        post = OpinionPost.objects.create(
            url=row.url, source=row.source, posted_at=row.posted_at, report=report, imported_at=when
        )
        audit.record(
            kind="events.opinion.imported",
            subject=post,
            actor=actor,
            content={
                "url": row.url,
                "source": row.source,
                "report": report.number,
                "event": report.event.number,
            },
        )
        imported += 1
        if progress is not None and (imported + skipped) % 100 == 0:
            progress(imported + skipped, len(rows))
    if progress is not None:
        progress(len(rows), len(rows))
    return {"imported": imported, "skipped": skipped}
