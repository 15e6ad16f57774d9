"""Use cases that change proactive data: tag definitions (save, load the YAML fixture), tag membership
(`tags_refresh_for`, `tags_recompute_all`, from tags/refresh.py), saved segments and logged exports."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yimen.proactive import bitmaps, segments
from yimen.proactive.models import SavedSegment, SegmentExport, TagDefinition
from yimen.proactive.tags.definitions import TagSpec, db_lookup, fixture_check, fixture_read, spec_check
from yimen.proactive.tags.refresh import tag_recompute, tags_recompute_all, tags_refresh_for

__all__ = [
    "segment_delete",
    "segment_export",
    "segment_save",
    "tag_save",
    "tags_load",
    "tags_recompute_all",
    "tags_refresh_for",
]


def _recompute_on_commit(codes: list[str]) -> None:
    from yimen.proactive.tasks import tags_recompute

    if codes:
        transaction.on_commit(lambda: tags_recompute.enqueue(codes))


def _apply(tag: TagDefinition | None, spec: TagSpec, actor) -> tuple[TagDefinition, bool]:
    fields = asdict(spec)
    code = fields.pop("code")
    if tag is None:
        tag = TagDefinition(code=code)
    changed = any(getattr(tag, k) != v for k, v in fields.items()) or tag.pk is None
    if changed:
        for key, value in fields.items():
            setattr(tag, key, value)
        tag.updated_by = actor if getattr(actor, "pk", None) else None
        tag.save()
    return tag, changed


@transaction.atomic
def tag_save(*, spec: TagSpec, actor, tag: TagDefinition | None = None) -> TagDefinition:
    """Create or change one tag definition: the rule is checked first (ValidationFailed naming its path),
    names must be unique, the change is audited, and the tag's membership is recomputed after commit."""
    if tag is not None and tag.code != spec.code:
        raise ValidationFailed(_("标签代码不能修改"), field="code")
    existing = TagDefinition.objects.filter(code=spec.code).first()
    if tag is None and existing is not None:
        raise Conflict(_("标签代码 %(c)s 已存在") % {"c": spec.code}, field="code")
    spec_check(spec, lookup=db_lookup())
    if TagDefinition.objects.filter(name=spec.name).exclude(code=spec.code).exists():
        raise ValidationFailed(_("标签名称“%(n)s”已被使用") % {"n": spec.name}, field="name")
    if tag is not None:
        _check_dependants(spec)
    tag, changed = _apply(existing, spec, actor)
    if changed:
        bitmaps.state_bump()
        audit.record(
            kind="proactive.tag.save", subject=tag, actor=actor, content={"code": tag.code, "rule": tag.rule}
        )
        _recompute_on_commit([tag.code, *_dependants(tag.code)])
    return tag


def _dependants(code: str) -> list[str]:
    """Tags whose rules refer (directly or not) to `code`."""
    from yimen.proactive.tags import rules

    out = []
    lookup = db_lookup()
    for other in TagDefinition.objects.exclude(code=code):
        try:
            tree = rules.rule_parse(
                other.rule, kind=other.kind, code=other.code, tag_lookup=lookup, check_refs=False
            )
        except ValidationFailed:
            continue
        if _refers(tree, code):
            out.append(other.code)
    return out


def _refers(node, code: str) -> bool:
    from yimen.proactive.tags import rules

    if isinstance(node, rules.TagRef):
        return node.code == code or _refers(node.rule, code)
    if isinstance(node, rules.All | rules.AnyOf):
        return any(_refers(c, code) for c in node.children)
    if isinstance(node, rules.Not):
        return _refers(node.child, code)
    if isinstance(node, rules.HouseholdMember):
        return _refers(node.rule, code)
    return False


def _check_dependants(spec: TagSpec) -> None:
    """A changed tag must still fit the tags that refer to it (same kind, no cycle)."""
    db = db_lookup()

    def lookup(code: str):
        return spec if code == spec.code else db(code)

    from yimen.proactive.tags import rules

    for code in _dependants(spec.code):
        other = TagDefinition.objects.get(code=code)
        try:
            rules.rule_parse(
                other.rule, kind=other.kind, code=other.code, tag_lookup=lookup, check_refs=False
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("标签 %(other)s 引用了本标签：%(problem)s") % {"other": code, "problem": exc.message},
                field="rule",
            ) from None


@transaction.atomic
def tags_load(*, path: Path | str | None = None, actor=None, only_missing: bool = False) -> dict:
    """Load the tag definitions of a YAML file (default: the shipped `tags.yaml`): all are checked before
    any is written; existing codes are updated unless `only_missing`. Changed tags are recomputed after
    commit."""
    specs = fixture_read(path)
    fixture_check(specs)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed_codes = []
    for order, spec in enumerate(specs):
        existing = TagDefinition.objects.filter(code=spec.code).first()
        if existing is not None and only_missing:
            counts["unchanged"] += 1
            continue
        clash = TagDefinition.objects.filter(name=spec.name).exclude(code=spec.code).first()
        if clash is not None:
            raise ValidationFailed(
                f"{spec.code}: " + _("标签名称“%(n)s”已被 %(c)s 使用") % {"n": spec.name, "c": clash.code},
                field="name",
            )
        tag, changed = _apply(existing, spec, actor)
        if tag.order != order:
            TagDefinition.objects.filter(pk=tag.pk).update(order=order)
        counts["created" if existing is None else ("updated" if changed else "unchanged")] += 1
        if changed:
            changed_codes.append(tag.code)
    if changed_codes:
        bitmaps.state_bump()
        audit.record(
            kind="proactive.tags.load",
            subject="proactive.tagdefinition",
            actor=actor,
            content={"codes": changed_codes, "file": str(path or "tags.yaml")},
        )
    return counts


def tag_recompute_codes(codes: list[str]) -> list[dict]:
    return [tag_recompute(tag) for tag in TagDefinition.objects.filter(code__in=codes)]


# ------------------------------------------------------------------------------------------------ segments


def _require_segments(actor) -> None:
    if not actor.can(roles.PERSON_VIEW):
        raise PermissionDenied(_("无权使用目标人群"))


@transaction.atomic
def segment_save(*, actor, name: str, expression: str, description: str = "", segment=None) -> SavedSegment:
    _require_segments(actor)
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed(_("名称不能为空，且不超过64个字"), field="name")
    result = segments.segment_evaluate(expression, user=actor)
    if segment is not None and segment.owner_id != actor.pk:
        raise NotFound(_("未找到该目标人群"))
    clash = SavedSegment.objects.filter(owner=actor, name=name)
    if segment is not None:
        clash = clash.exclude(pk=segment.pk)
    if clash.exists():
        raise ValidationFailed(_("已有同名的目标人群"), field="name")
    segment = segment or SavedSegment(owner=actor)
    segment.name, segment.expression, segment.description = name, expression.strip(), description[:200]
    segment.last_count = result.count
    segment.save()
    return segment


@transaction.atomic
def segment_delete(*, actor, segment: SavedSegment) -> None:
    if segment.owner_id != actor.pk:
        raise NotFound(_("未找到该目标人群"))
    segment.delete()


EXPORT_MAX = 200_000


@transaction.atomic
def segment_export(*, actor, expression: str, reason: str, segment: SavedSegment | None = None):
    """Export a target group's masked list for a service project: needs a reason, writes a SegmentExport
    row (who, why, how many) and a ledger entry in the same transaction; returns (row, person ids)."""
    _require_segments(actor)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请填写导出事由（服务项目名称等，至少4个字）"), field="reason")
    result = segments.segment_evaluate(expression, user=actor)
    if result.count > EXPORT_MAX:
        raise ValidationFailed(
            _("目标人群 %(n)d 人，超过单次导出上限 %(max)d 人，请缩小范围")
            % {"n": result.count, "max": EXPORT_MAX},
            field="expression",
        )
    row = SegmentExport.objects.create(
        segment=segment, expression=expression.strip(), actor=actor, reason=reason[:200], count=result.count
    )
    entry = audit.record(
        kind="proactive.segment.export",
        subject=row,
        actor=actor,
        content={"expression": segments.to_text(result.tree), "count": result.count, "reason": reason},
    )
    SegmentExport.objects.filter(pk=row.pk).update(ledger_index=entry.index)
    row.ledger_index = entry.index
    return row, result.ids
