"""Tag definitions as data: the YAML fixture (`proactive/tags.yaml`), reading and checking it, and the
parsed rule tree of a stored definition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from yimen.common.definitions import definitions_read
from yimen.common.errors import ValidationFailed
from yimen.proactive.tags import rules

FIXTURE = Path(__file__).resolve().parents[1] / "tags.yaml"
FORMAT = "yimen-tags/1"
_FIELDS = {"code", "name", "kind", "description", "rule", "alive_only", "enabled"}


@dataclass
class TagSpec:
    """A definition before it is stored: from the fixture, the admin or the API."""

    code: str
    name: str
    kind: str
    rule: Any
    description: str = ""
    alive_only: bool = True
    enabled: bool = True


def tag_tree(tag, *, lookup=None, check_refs: bool = False):
    """The parsed rule of a stored TagDefinition (references resolved from the database)."""
    return rules.rule_parse(
        tag.rule, kind=tag.kind, code=tag.code, tag_lookup=lookup or db_lookup(), check_refs=check_refs
    )


def db_lookup():
    from yimen.proactive.models import TagDefinition

    cache: dict[str, Any] = {}

    def lookup(code: str):
        if code not in cache:
            cache[code] = TagDefinition.objects.filter(code=code).first()
        return cache[code]

    return lookup


def spec_check(spec: TagSpec, *, lookup) -> Any:
    """Check one definition's own fields and its rule; returns the rule tree."""
    import re

    if not re.fullmatch(r"[a-z][a-z0-9_]{1,47}", spec.code or ""):
        raise ValidationFailed(_("标签代码应为小写字母开头的字母、数字、下划线（2-48位）"), field="code")
    if not (spec.name or "").strip() or len(spec.name) > 32:
        raise ValidationFailed(_("标签名称不能为空，且不超过32个字"), field="name")
    if spec.kind not in (rules.PERSON, rules.ENTERPRISE):
        raise ValidationFailed(_("未知对象类型 “%(k)s”") % {"k": spec.kind}, field="kind")
    if any(ch.isspace() for ch in spec.name) or any(ch in spec.name for ch in '()（）:"'):
        raise ValidationFailed(
            _("标签名称不能含空格、括号、冒号或引号（目标人群表达式要用它）"), field="name"
        )
    return rules.rule_parse(spec.rule, kind=spec.kind, code=spec.code, tag_lookup=lookup)


def fixture_read(path: Path | str | None = None) -> list[TagSpec]:
    """The definitions in a tags YAML file; ValidationFailed naming the entry and key when malformed."""
    entries = definitions_read(
        path or FIXTURE,
        format=FORMAT,
        key="tags",
        fields=_FIELDS,
        required=("code", "name", "rule"),
        noun=_("标签"),
    )
    return [
        TagSpec(
            code=entry["code"],
            name=str(entry["name"]),
            kind=entry.get("kind", rules.PERSON),
            rule=entry["rule"],
            description=str(entry.get("description", "")).strip(),
            alive_only=bool(entry.get("alive_only", True)),
            enabled=bool(entry.get("enabled", True)),
        )
        for entry in entries
    ]


def fixture_check(specs: list[TagSpec]):
    """Check every definition of a file against each other (references between them) and the database
    (items, divisions); ValidationFailed prefixed with the tag's code."""
    by_code = {s.code: s for s in specs}
    db = db_lookup()

    def lookup(code: str):
        return by_code.get(code) or db(code)

    trees = {}
    for spec in specs:
        try:
            trees[spec.code] = spec_check(spec, lookup=lookup)
        except ValidationFailed as exc:
            raise ValidationFailed(f"{spec.code}: {exc.message}", errors={spec.code: [exc.message]}) from None
    return trees
