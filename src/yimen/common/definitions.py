"""Reading a YAML file of definitions (tags, life-event rules, support policies): the shape every such
file shares, `{format: <name>/<version>, <list key>: [mapping, ...]}`, checked once here. Each entry is
a mapping with known keys, the required ones present and a code unique in the file; what an entry means
is the caller's to check. Errors name the file's entry and key: `policies[2].colour: 未知键`.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from yimen.common.errors import ValidationFailed


def fail_at(path: str, message: str):
    """Refuse a definition at `path` (`offers[1]`, `rule.all[0].op`): the message names the path."""
    raise ValidationFailed(f"{path}: {message}", errors={path: [message]}, field=path)


def definitions_read(
    path: Path | str,
    *,
    format: str,
    key: str,
    fields: Collection[str],
    required: Collection[str],
    noun: str,
) -> list[dict]:
    """The entries of the definitions file at `path`. `noun` names the kind of file and of code in
    messages (`标签`: 标签文件格式应为 …, 重复的标签代码 …); nothing is written anywhere."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationFailed(
            _("无法读取%(noun)s文件 %(path)s：%(err)s") % {"noun": noun, "path": path, "err": exc},
            field="path",
        ) from None
    if not isinstance(data, dict) or data.get("format") != format:
        raise ValidationFailed(_("%(noun)s文件格式应为 %(f)s") % {"noun": noun, "f": format}, field="format")
    entries = data.get(key)
    if not isinstance(entries, list):
        raise ValidationFailed(_("%(noun)s文件缺少 %(key)s 列表") % {"noun": noun, "key": key}, field=key)
    seen: set = set()
    for i, entry in enumerate(entries):
        where = f"{key}[{i}]"
        if not isinstance(entry, dict):
            fail_at(where, _("应为映射"))
        unknown = sorted(set(entry) - set(fields))
        if unknown:
            fail_at(f"{where}.{unknown[0]}", _("未知键"))
        for name in required:
            if name not in entry:
                fail_at(where, _("缺少 %(k)s") % {"k": name})
        if entry["code"] in seen:
            fail_at(f"{where}.code", _("重复的%(noun)s代码 %(c)s") % {"noun": noun, "c": entry["code"]})
        seen.add(entry["code"])
    return entries
