"""Placeholders in message templates: `{name}` fields in Python's str.format syntax, names only.

`{{` and `}}` stand for literal braces. Anything else in braces (positions `{0}`, attributes `{a.b}`,
indexes `{a[0]}`, conversions and format specs) is refused: a template is data edited in the admin, and
str.format would otherwise reach into the objects it is given. Rendering uses the same grammar, so a
template that passed the check renders with str.format_map.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext

from yimen.common.errors import ValidationFailed

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Filled in for every recipient from the registry; a caller may still pass its own value.
SYSTEM_PLACEHOLDERS = frozenset({"name"})


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def scan(text: str, *, field: str) -> tuple[list[str], list[Problem]]:
    """The placeholder names in `text`, in order of first use, and the problems found."""
    names: list[str] = []
    problems: list[Problem] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            if i + 1 < n and text[i + 1] == "{":
                i += 2
                continue
            close = text.find("}", i + 1)
            nested = text.find("{", i + 1)
            if close < 0 or (0 <= nested < close):
                problems.append(
                    Problem(
                        field,
                        gettext("第%(pos)d个字符处的“{”没有对应的“}”") % {"pos": i + 1},
                    )
                )
                i += 1
                continue
            inner = text[i + 1 : close]
            if not _NAME.fullmatch(inner):
                problems.append(
                    Problem(
                        field,
                        gettext("占位符 {%(inner)s} 无效：花括号内只能写名称，如 {name}") % {"inner": inner},
                    )
                )
            elif inner not in names:
                names.append(inner)
            i = close + 1
            continue
        if ch == "}":
            if i + 1 < n and text[i + 1] == "}":
                i += 2
                continue
            problems.append(Problem(field, gettext("第%(pos)d个字符处的“}”没有对应的“{”") % {"pos": i + 1}))
        i += 1
    return names, problems


def check(*, subject: str, body: str, required: Iterable[str] | None) -> list[str]:
    """The template's placeholders; ValidationFailed naming every problem (field by field) otherwise.

    With `required` given, every placeholder used must be declared in it (or be a system placeholder
    such as {name}), and the body must use every required one."""
    body_names, problems = scan(body, field="body")
    subject_names, subject_problems = scan(subject, field="subject")
    problems += subject_problems
    declared: list[str] | None = None
    if isinstance(required, str):
        required = [part for part in required.replace("，", ",").split(",") if part.strip()]
    if required is not None:
        declared = []
        for raw in required:
            name = str(raw).strip()
            if not _NAME.fullmatch(name):
                problems.append(
                    Problem(
                        "required_placeholders",
                        gettext("必需的占位符“%(name)s”不是有效名称") % {"name": name},
                    )
                )
            elif name not in declared:
                declared.append(name)
        allowed = set(declared) | SYSTEM_PLACEHOLDERS
        for field, names in (("body", body_names), ("subject", subject_names)):
            for name in names:
                if name not in allowed:
                    problems.append(
                        Problem(field, gettext("占位符 {%(name)s} 未声明为必需的占位符") % {"name": name})
                    )
        for name in declared:
            if name not in body_names:
                problems.append(Problem("body", gettext("正文缺少必需的占位符 {%(name)s}") % {"name": name}))
    if problems:
        errors: dict[str, list[str]] = {}
        for p in problems:
            errors.setdefault(p.field, []).append(p.message)
        raise ValidationFailed("；".join(p.message for p in problems), errors=errors)
    if declared is not None:
        return declared
    return list(dict.fromkeys(body_names + subject_names))


def _text(value) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(str(v) for v in value)
    return str(value)


def missing(names: Iterable[str], context: Mapping[str, object]) -> list[str]:
    return [n for n in names if n not in context]


@lru_cache(maxsize=512)
def names_of(text: str) -> tuple[str, ...]:
    names, problems = scan(text, field="context")
    if problems:
        raise ValidationFailed(problems[0].message, field="context")
    return tuple(names)


def render(text: str, context: Mapping[str, object]) -> str:
    """Fill a checked template text; ValidationFailed naming the first placeholder without a value."""
    names = names_of(text)
    absent = missing(names, context)
    if absent:
        raise ValidationFailed(gettext("缺少占位符 {%(name)s} 的内容") % {"name": absent[0]}, field="context")
    return text.format_map({n: _text(context[n]) for n in names})
