"""Message templates: save (checked placeholders, versioned, audited) and the shipped fixture."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import NotFound, PermissionDenied, ValidationFailed
from yimen.notify import placeholders
from yimen.notify.models import Channel, Template

FIXTURE = Path(__file__).resolve().parents[1] / "templates.yaml"


def channels_clean(channels: Iterable[str] | None) -> list[str]:
    """Known channels, in a stable order; the inbox is always one of them (it keeps every message)."""
    chosen = [str(c).strip() for c in (channels or [])]
    unknown = [c for c in chosen if c not in Channel.values]
    if unknown:
        raise ValidationFailed(
            gettext("未知的发送渠道：%(channels)s") % {"channels": "、".join(unknown)}, field="channels"
        )
    return [c for c in Channel.values if c in chosen or c == Channel.INBOX]


def template_get(code: str) -> Template:
    try:
        return Template.objects.get(code=code)
    except Template.DoesNotExist:
        raise NotFound(gettext("消息模板 %(code)s 不存在") % {"code": code}, field="template_code") from None


def _text(value, label: str, field: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationFailed(gettext("%(label)s应为文本") % {"label": label}, field=field)
    if required and not text:
        raise ValidationFailed(gettext("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            gettext("%(label)s不能超过%(limit)d字") % {"label": label, "limit": limit}, field=field
        )
    return text


def template_check(
    *,
    code: str,
    name: str,
    subject: str,
    body: str,
    channels: Iterable[str],
    required_placeholders: Iterable[str] | None = None,
) -> dict:
    """The cleaned fields of a template, or ValidationFailed naming the exact problem (field by field):
    a malformed or unbalanced placeholder, one used without being declared, a required one missing from
    the body. Writes nothing (the admin form calls it to show problems on the form)."""
    code = _text(code, gettext("模板编码"), "code", 64, required=True)
    if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise ValidationFailed(gettext("模板编码只能包含字母、数字、下划线和连字符"), field="code")
    name = _text(name, gettext("模板名称"), "name", 128, required=True)
    subject = _text(subject, gettext("标题"), "subject", 200, required=False)
    body = _text(body, gettext("正文"), "body", 2000, required=True)
    declared = placeholders.check(subject=subject, body=body, required=required_placeholders)
    return {
        "code": code,
        "name": name,
        "subject": subject,
        "body": body,
        "channels": channels_clean(channels),
        "placeholders": declared,
    }


@transaction.atomic
def template_save(
    *,
    code: str,
    name: str,
    subject: str,
    body: str,
    channels: Iterable[str],
    required_placeholders: Iterable[str] | None = None,
    transactional: bool = False,
    actor=None,
) -> Template:
    """Create or update the template `code` (a new version when anything changed), after `template_check`."""
    if actor is not None and not actor.can(roles.NOTIFY_TEMPLATE_EDIT):
        raise PermissionDenied(gettext("无权编辑消息模板"))
    clean = template_check(
        code=code,
        name=name,
        subject=subject,
        body=body,
        channels=channels,
        required_placeholders=required_placeholders,
    )
    code, name, subject, body = clean["code"], clean["name"], clean["subject"], clean["body"]
    chosen, declared = clean["channels"], clean["placeholders"]
    template = Template.objects.select_for_update().filter(code=code).first()
    created = template is None
    if created:
        template = Template(code=code)
    elif (template.name, template.subject, template.body, template.channels, template.placeholders) == (
        name,
        subject,
        body,
        chosen,
        declared,
    ) and template.transactional == bool(transactional):
        return template  # nothing changed: no new version
    else:
        template.version += 1
    template.name, template.subject, template.body = name, subject, body
    template.channels, template.placeholders, template.transactional = chosen, declared, bool(transactional)
    template.updated_by = actor if getattr(actor, "pk", None) else None
    template.save()
    audit.record(
        kind="notify.template.save",
        subject=template,
        actor=actor,
        content={
            "code": code,
            "version": template.version,
            "subject": subject,
            "body": body,
            "channels": chosen,
            "placeholders": declared,
            "transactional": template.transactional,
        },
    )
    return template


def fixture_rows(path: Path | None = None) -> list[dict]:
    rows = yaml.safe_load((path or FIXTURE).read_text(encoding="utf-8")) or []
    if not isinstance(rows, list):
        raise ValidationFailed(gettext("模板文件应为列表"), field="path")
    return rows


@transaction.atomic
def templates_load(*, path: Path | None = None, only_missing: bool = True, actor=None) -> list[Template]:
    """Save the templates of a YAML file (default: the shipped templates.yaml) through `template_save`;
    with only_missing, codes that exist already are left as they are. All or nothing."""
    rows = fixture_rows(path)
    existing = set(Template.objects.values_list("code", flat=True)) if only_missing else set()
    saved = []
    for row in rows:
        if row.get("code") in existing:
            continue
        saved.append(
            template_save(
                code=row.get("code"),
                name=row.get("name"),
                subject=row.get("subject", ""),
                body=row.get("body"),
                channels=row.get("channels", [Channel.INBOX]),
                required_placeholders=row.get("placeholders"),
                transactional=bool(row.get("transactional", False)),
                actor=actor,
            )
        )
    return saved
