"""Intake: an application arrives (window, online, mobile, kiosk) and is accepted, sent back for
correction or refused. Any general window accepts any item its level may accept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.cases import deadlines, materials, procedures, settle, store, workflow
from yimen.cases.models import (
    Case,
    CaseMaterial,
    CaseStep,
    Channel,
    MaterialState,
    Status,
    StatusChange,
    Upload,
)
from yimen.cases.services.transition import (
    case_lock,
    case_transition,
    is_applicant,
    reason_clean,
    require_decider,
    require_intake,
)
from yimen.catalog import selectors as catalog
from yimen.catalog.models.item import AcceptLevel, ServiceObject
from yimen.common import audit
from yimen.common.errors import NotFound, PermissionDenied, ValidationFailed
from yimen.common.identity import parse_id_number, validate_uscc
from yimen.places.models import Division
from yimen.registry import selectors as registry


def window_level(user) -> str:
    """The level of the window a clerk sits at: their division's level, the district when none."""
    level = _division_level(user)
    if level is None or level <= Division.Level.DISTRICT:
        return AcceptLevel.DISTRICT
    if level == Division.Level.STREET:
        return AcceptLevel.STREET
    return AcceptLevel.VILLAGE


def _division_level(user) -> int | None:
    """The level of the user's division, without loading the division row when the user does not carry
    it already (a row holds its boundary polygon, kilobytes of GeoJSON that intake never reads)."""
    if user.division_id is None:
        return None
    if type(user).division.is_cached(user):
        return user.division.level
    return Division.objects.filter(pk=user.division_id).values_list("level", flat=True).first()


def _applicant(*, actor, channel: str, id_number: str, uscc: str):
    """(person, enterprise) the application is for. Clerks identify anyone; citizens apply for
    themselves, enterprise agents for their enterprise."""
    if actor.can(roles.CASE_INTAKE):
        if id_number:
            parse_id_number(id_number, field="id_number")
            return registry.person_identify(user=actor, id_number=id_number, places=False), None
        if uscc:
            validate_uscc(uscc, field="uscc")
            return None, registry.enterprise_by_uscc(uscc=uscc)
        raise ValidationFailed(_("请输入申请人身份证号码或统一社会信用代码"), field="id_number")
    if channel == Channel.WINDOW:
        raise PermissionDenied(_("只有综合窗口人员可以窗口受理"), field="channel")
    if actor.enterprise_id and (uscc or not actor.person_id):
        if uscc and validate_uscc(uscc, field="uscc") != actor.enterprise.uscc:
            raise PermissionDenied(_("只能为本人代办的企业申请"), field="uscc")
        return None, actor.enterprise
    if actor.person_id is None:
        raise ValidationFailed(_("请先完成实名认证，再网上申请"), field="id_number")
    if id_number and parse_id_number(id_number, field="id_number").number != actor.person.id_number:
        raise PermissionDenied(_("网上申请只能为本人办理"), field="id_number")
    return actor.person, None


def form_prefill(version, person, enterprise) -> dict:
    """What the registry already knows, for form fields of the same name (the applicant does not retype it)."""
    known = {}
    if person is not None:
        known.update(id_number=person.id_number, name=person.name, phone=person.phone)
    if enterprise is not None:
        known.update(uscc=enterprise.uscc, enterprise_name=enterprise.name)
    props = (version.form_schema or {}).get("properties", {})
    return {k: v for k, v in known.items() if k in props and v}


def _check_form(version, data: Mapping) -> None:
    schema = version.form_schema
    if not schema:
        return
    validator = version.form_validator
    errors: dict[str, list[str]] = {}
    for err in validator.iter_errors(dict(data)):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path.append(missing)
            message = _("必填")
        else:
            message = err.message
        title = schema.get("properties", {}).get(path[0], {}).get("title", "") if path else ""
        errors.setdefault(".".join(["form", *path]), []).append(f"{title} {message}".strip())
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(_("申请表填写有误：%(field)s") % {"field": first}, errors=errors)


def _material_rows(case: Case, version, given: Mapping[str, Mapping], *, actor, person, enterprise) -> list:
    known = {m.key for m in version.materials.all()}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValidationFailed(
            _("该事项没有这项材料：%(key)s") % {"key": unknown[0]}, field=f"materials.{unknown[0]}"
        )
    today = deadlines.today()
    rows = []
    for m in version.materials.all():
        row = CaseMaterial(case=case, key=m.key, name=m.name, required=m.required, source=m.source)
        reuse = materials.reuse_for(m, person=person, enterprise=enterprise, today=today)
        if reuse is not None:
            row.state, row.reuse_ref, row.reuse_label = MaterialState.REUSED, reuse.ref, reuse.label
        else:
            _supply(row, given.get(m.key) or {}, actor=actor)
        rows.append(row)
    return rows


def _supply(row: CaseMaterial, supplied: Mapping, *, actor) -> None:
    upload = supplied.get("upload")
    if upload is not None:
        if not isinstance(upload, Upload):
            upload = Upload.objects.filter(pk=upload).first()
        if upload is None or upload.uploaded_by_id != actor.pk:
            raise ValidationFailed(_("上传文件不存在"), field=f"materials.{row.key}")
        row.state, row.upload = MaterialState.UPLOADED, upload
    elif supplied.get("paper"):
        if not actor.can(roles.CASE_INTAKE):
            raise ValidationFailed(_("纸质材料须在窗口核验"), field=f"materials.{row.key}")
        row.state, row.upload = MaterialState.PAPER, None
    else:
        row.state = MaterialState.MISSING


def _missing_errors(rows: Iterable[CaseMaterial]) -> dict[str, list[str]]:
    return {
        f"materials.{r.key}": [_("缺少必要材料：%(name)s") % {"name": r.name}]
        for r in rows
        if r.required and r.state == MaterialState.MISSING
    }


def case_submit(
    *,
    actor,
    item: str,
    channel: str,
    id_number: str = "",
    uscc: str = "",
    form_data: Mapping | None = None,
    materials: Mapping[str, Mapping] | None = None,
    idempotency_key: str = "",
    theme_application=None,
) -> Case:
    """File an application under the item's published version. A repeated `idempotency_key` from the
    same user returns the first case and writes nothing. `theme_application` makes it a sub-case of a
    theme (主题办), filed by `yimen.cases.services.themes.theme_submit`. The case comes back with its
    materials, steps (none yet) and history prefetched as written, so answering it reads nothing again.

    The writes happen in `_case_file`'s transaction. A request racing us with the same key makes our
    insert fail on the unique (submitted_by, idempotency_key) constraint: that transaction (or, inside a
    caller's transaction, its savepoint) is rolled back whole and the other request's case is the answer,
    without a savepoint around the insert on the common path."""
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise ValidationFailed(_("Idempotency-Key 不能超过64个字符"), field="idempotency_key")
    if key:
        existing = _replay(actor, key)
        if existing is not None:
            return existing
    try:
        return _case_file(
            actor=actor,
            item=item,
            channel=channel,
            id_number=id_number,
            uscc=uscc,
            form_data=form_data,
            materials=materials,
            key=key,
            theme_application=theme_application,
        )
    except IntegrityError:
        existing = _replay(actor, key) if key else None
        if existing is None:
            raise
        return existing


def _replay(actor, key: str) -> Case | None:
    """The case this user already filed under `key`, marked as a replay; None when there is none. The
    look-up reads the id alone, unordered (the key is unique per user), and the row only on a hit."""
    pk = store.case_id_for_key(user_id=actor.pk, key=key)
    if pk is None:
        return None
    existing = Case.objects.get(pk=pk)
    existing.replayed = True
    return existing


@transaction.atomic
def _case_file(
    *,
    actor,
    item: str,
    channel: str,
    id_number: str,
    uscc: str,
    form_data: Mapping | None,
    materials: Mapping[str, Mapping] | None,
    key: str,
    theme_application,
) -> Case:
    if channel not in Channel.values:
        raise ValidationFailed(_("未知申请渠道 %(c)s") % {"c": channel}, field="channel")
    try:
        version = catalog.item_for_intake(item or "")
    except NotFound:
        raise ValidationFailed(_("事项 %(code)s 不存在或未发布") % {"code": item}, field="item") from None
    person, enterprise = _applicant(actor=actor, channel=channel, id_number=id_number, uscc=uscc)
    if person is not None and version.service_object == ServiceObject.LEGAL_PERSON:
        raise ValidationFailed(_("该事项只面向法人，请输入统一社会信用代码"), field="item")
    if enterprise is not None and version.service_object == ServiceObject.NATURAL_PERSON:
        raise ValidationFailed(_("该事项只面向自然人，请输入身份证号码"), field="item")
    if channel == Channel.WINDOW:
        level = window_level(actor)
        if level not in (version.accept_levels or [AcceptLevel.DISTRICT]):
            raise ValidationFailed(
                _("本窗口(%(level)s)不能受理该事项，可受理层级：%(levels)s")
                % {"level": AcceptLevel(level).label, "levels": "、".join(version.accept_level_labels)},
                field="item",
            )
    form = {**form_prefill(version, person, enterprise), **dict(form_data or {})}
    _check_form(version, form)
    settle.settle_check(version, form, person=person, enterprise=enterprise)

    now = deadlines.now()
    case = Case(
        item=version.item,
        version=version,
        department=version.department,
        channel=channel,
        applicant_person=person,
        applicant_enterprise=enterprise,
        submitted_by=actor,
        intake_division_id=actor.division_id if channel == Channel.WINDOW else None,
        form_data=form,
        theme_application=theme_application,
        idempotency_key=key,
        submitted_at=now,
        limit_day_type=version.limit_day_type,
        promised_limit_days=version.promised_limit_days,
        statutory_limit_days=version.statutory_limit_days,
    )
    rows = _material_rows(case, version, materials or {}, actor=actor, person=person, enterprise=enterprise)
    if channel != Channel.WINDOW:
        missing = _missing_errors(rows)
        if missing:
            raise ValidationFailed(next(iter(missing.values()))[0], errors=missing)
    store.case_create(
        case, rows, number_prefix=f"{settings.YIMEN_DISTRICT_CODE}{timezone.localdate(now):%Y%m%d}"
    )
    entry = audit.record(
        kind="cases.case.submit",
        subject=case,
        actor=actor,
        content={"number": case.number, "item": version.item.implementation_code, "version": version.number},
    )
    change = StatusChange(
        case=case, from_status="", to_status=Status.SUBMITTED, actor=actor, at=now, ledger_index=entry.index
    )
    store.status_change_create(change)
    _prefetched(case, materials=rows, steps=[], history=[change])
    return case


def _prefetched(case: Case, **related: list) -> None:
    """Attach rows just written as `case`'s prefetched relations, as `prefetch_related` would have after
    reading them back: `case.materials.all()` and the like then answer without a query (filters and
    `get` still query). Only for a case whose rows this transaction wrote in full."""
    cache = case.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        qs = getattr(case, name).get_queryset()
        qs._result_cache, qs._prefetch_done = list(rows), True
        cache[name] = qs


@transaction.atomic
def case_accept(*, case: Case, actor, paper: Iterable[str] = ()) -> Case:
    """Accept: every required material reused, uploaded or checked on paper; the clock starts and the
    item's back-office steps are laid out. `paper` lists materials the clerk checked at the window."""
    require_intake(actor)
    case = case_lock(case)
    rows = list(case.materials.all())
    checked = set(paper)
    unknown = checked - {r.key for r in rows}
    if unknown:
        key = sorted(unknown)[0]
        raise ValidationFailed(_("该事项没有这项材料：%(key)s") % {"key": key}, field=f"materials.{key}")
    workflow.check_transition(case.status, "accept")
    for row in rows:
        if row.key in checked and row.state == MaterialState.MISSING:
            row.state = MaterialState.PAPER
            row.save(update_fields=["state"])
    missing = _missing_errors(rows)
    if missing:
        raise ValidationFailed(next(iter(missing.values()))[0], errors=missing)
    today = deadlines.today()
    case.accepted_at = deadlines.now()
    deadlines.clock_start(case, today)
    case.current_step = 0
    case.save(update_fields=["accepted_at", "due_date", "statutory_due_date", "current_step"])
    CaseStep.objects.bulk_create(
        CaseStep(case=case, order=i, code=s.code, name=s.name, department=case.department)
        for i, s in enumerate(procedures.procedure_for(case.version).steps)
    )
    case_transition(case, action="accept", actor=actor, content={"due": str(case.due_date)})
    settle.case_settle(case, actor=actor)  # 数据沉淀: the applicant's record, with this case as source
    return case


@transaction.atomic
def case_request_correction(*, case: Case, actor, missing: Iterable[str], note: str = "") -> Case:
    """一次性告知补正: list what is missing. At intake (clerk) or from the back office (approver of the
    department), where the clock then stops until the applicant resubmits."""
    case = case_lock(case)
    if case.status == Status.ACCEPTED:
        require_decider(actor, case)
    else:
        require_intake(actor)
    keys = list(dict.fromkeys(missing))
    rows = {r.key: r for r in case.materials.all()}
    if not keys:
        raise ValidationFailed(_("请列出需要补正的材料"), field="missing")
    for key in keys:
        if key not in rows:
            raise ValidationFailed(_("该事项没有这项材料：%(key)s") % {"key": key}, field="missing")
    target = workflow.check_transition(case.status, "request_correction")
    for key in keys:
        rows[key].state, rows[key].upload = MaterialState.MISSING, None
        rows[key].save(update_fields=["state", "upload"])
    names = "、".join(rows[k].name for k in keys)
    case.correction_request = (note.strip() + "\n" if note.strip() else "") + _("需补正：%(names)s") % {
        "names": names
    }
    if target == Status.SUSPENDED:
        deadlines.clock_pause(case, deadlines.today())
    case.save(update_fields=["correction_request", "paused_since"])
    case_transition(
        case,
        action="request_correction",
        actor=actor,
        note=case.correction_request,
        content={"missing": keys},
    )
    return case


@transaction.atomic
def case_resubmit(*, case: Case, actor, materials: Mapping[str, Mapping]) -> Case:
    """The applicant (or a clerk for them) supplies what the correction asked for; the clock resumes."""
    case = case_lock(case)
    if not (is_applicant(actor, case) or actor.can(roles.CASE_INTAKE)):
        raise PermissionDenied(_("只有申请人或窗口人员可以补正材料"))
    target = workflow.check_transition(case.status, "resubmit")
    rows = {r.key: r for r in case.materials.all()}
    for key in materials:
        if key not in rows:
            raise ValidationFailed(_("该事项没有这项材料：%(key)s") % {"key": key}, field=f"materials.{key}")
    for key, supplied in materials.items():
        row = rows[key]
        if row.state == MaterialState.MISSING:
            _supply(row, supplied, actor=actor)
            row.save(update_fields=["state", "upload"])
    missing = _missing_errors(rows.values())
    if missing:
        raise ValidationFailed(next(iter(missing.values()))[0], errors=missing)
    held = 0
    if target == Status.ACCEPTED:
        held = deadlines.clock_resume(case, deadlines.today())
    case.correction_request = ""
    case.save(
        update_fields=["correction_request", "paused_since", "paused_days", "due_date", "statutory_due_date"]
    )
    case_transition(case, action="resubmit", actor=actor, content={"held_days": held})
    return case


@transaction.atomic
def case_refuse(*, case: Case, actor, reason: str) -> Case:
    """不予受理, with the reason the applicant is told."""
    require_intake(actor)
    reason = reason_clean(reason)
    case = case_lock(case)
    workflow.check_transition(case.status, "refuse")
    case.reason, case.decided_at = reason, deadlines.now()
    case.save(update_fields=["reason", "decided_at"])
    case_transition(case, action="refuse", actor=actor, note=reason)
    return case


@transaction.atomic
def case_withdraw(*, case: Case, actor, reason: str = "") -> Case:
    case = case_lock(case)
    if not (is_applicant(actor, case) or actor.can(roles.CASE_INTAKE)):
        raise PermissionDenied(_("只有申请人或窗口人员可以撤回申请"))
    workflow.check_transition(case.status, "withdraw")
    case.reason, case.decided_at, case.paused_since = (reason or "").strip(), deadlines.now(), None
    case.save(update_fields=["reason", "decided_at", "paused_since"])
    case_transition(case, action="withdraw", actor=actor, note=case.reason)
    return case
