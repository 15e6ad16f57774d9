"""The names a staff member may type in a target-group expression: tags by code or Chinese name, divisions
by code, full name, short name or street + village; rebuilt when the bitmap index version changes (a tag
saved, a recompute)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yimen.proactive import bitmaps


@dataclass
class Names:
    """Tags and divisions by every name a staff member may type, rebuilt when the index version changes."""

    version: int
    tags: dict[str, tuple[str, str, str]]  # code or name -> (code, name, kind)
    divisions: dict[str, list[tuple[str, str]]]  # code / name / short / street+village -> [(code, name)]


_names_lock = threading.Lock()
_names: Names | None = None


def names(version: int | None = None) -> Names:
    global _names
    version = bitmaps.cache.sync() if version is None else version
    if _names is not None and _names.version == version:
        return _names
    with _names_lock:
        if _names is not None and _names.version == version:
            return _names
        from yimen.places.models import Division
        from yimen.proactive.models import TagDefinition

        tags = {}
        for code, name, kind in TagDefinition.objects.filter(enabled=True).values_list(
            "code", "name", "kind"
        ):
            tags[code] = tags[name] = (code, name, kind)
        rows = list(
            Division.objects.filter(level__lte=Division.Level.VILLAGE).only(
                "code", "name", "parent", "path", "level"
            )
        )
        by_code = {d.code: d for d in rows}
        divisions: dict[str, list[tuple[str, str]]] = {}

        def add(key: str, d) -> None:
            entry = (d.code, d.name)
            if entry not in divisions.setdefault(key, []):
                divisions[key].append(entry)

        for d in rows:
            add(d.code, d)
            add(d.name, d)
            add(d.short_name, d)
            street = next(
                (
                    by_code[c]
                    for c in d.path.strip("/").split("/")
                    if c in by_code and by_code[c].level == Division.Level.STREET
                ),
                None,
            )
            if street is not None and d.level == Division.Level.VILLAGE:
                for s in {street.name, street.short_name}:
                    add(s + d.short_name, d)
                    add(s + d.name, d)
        _names = Names(version, tags, divisions)
        return _names


def resolver(table: Names, error):
    """A function from a TERM token to a resolved Term; `error(pos, message)` makes the exception."""
    from yimen.proactive.segments import Term, Token

    def resolve(tok: Token) -> Term:
        word, prefix = tok.text, tok.prefix
        if prefix not in ("", "tag", "div"):
            raise error(tok.pos, _("未知前缀 “%(p)s:”（可用 tag: 或 div:）") % {"p": prefix})
        if prefix in ("", "tag"):
            found = table.tags.get(word)
            if found is not None:
                code, name, kind = found
                if kind != "person":
                    raise error(tok.pos, _("“%(w)s” 是法人标签，目标人群只能使用自然人标签") % {"w": word})
                return Term("tag", code, name, tok.pos)
            if prefix == "tag":
                raise error(tok.pos, _("未知标签 “%(w)s”") % {"w": word})
        matches = table.divisions.get(word, [])
        if len(matches) == 1:
            code, name = matches[0]
            return Term("div", code, name, tok.pos)
        if len(matches) > 1:
            listed = "、".join(f"{name}({code})" for code, name in matches[:5])
            raise error(
                tok.pos, _("“%(w)s” 对应多个区划：%(list)s，请使用区划代码") % {"w": word, "list": listed}
            )
        if prefix == "div":
            raise error(tok.pos, _("未知区划 “%(w)s”") % {"w": word})
        raise error(tok.pos, _("未知标签或区划 “%(w)s”") % {"w": word})

    return resolve


def reset() -> None:
    """Forget the table (tests: each has its own database)."""
    global _names
    _names = None
