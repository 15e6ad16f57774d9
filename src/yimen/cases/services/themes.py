"""Themes (主题办): one application for several items (e.g. 我要开餐馆). The materials the items share
are asked once; each item becomes a sub-case that its own department approves in parallel with the
others; the theme's promised limit runs from acceptance."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.cases import deadlines
from yimen.cases.models import Case, ThemeApplication
from yimen.cases.services.intake import case_accept, case_submit
from yimen.cases.services.transition import require_intake
from yimen.catalog import selectors as catalog
from yimen.common import audit
from yimen.common.errors import Conflict, NotFound, ValidationFailed


@transaction.atomic
def theme_submit(
    *,
    actor,
    theme: str,
    channel: str,
    id_number: str = "",
    uscc: str = "",
    forms: Mapping[str, Mapping] | None = None,
    materials: Mapping[str, Mapping] | None = None,
    idempotency_key: str = "",
) -> ThemeApplication:
    """File one sub-case per item of the theme, all or none. `materials` is the merged list (by key);
    `forms` maps an item's implementation code to its form data."""
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = ThemeApplication.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    try:
        detail = catalog.theme_detail(theme or "")
    except NotFound:
        raise ValidationFailed(_("主题 %(code)s 不存在或未发布") % {"code": theme}, field="theme") from None
    if not detail.items:
        raise ValidationFailed(_("主题没有可办理的事项"), field="theme")
    forms, materials = dict(forms or {}), dict(materials or {})
    codes = {v.item.implementation_code for v in detail.items}
    unknown = sorted(set(forms) - codes)
    if unknown:
        raise ValidationFailed(
            _("主题中没有事项 %(code)s") % {"code": unknown[0]}, field=f"forms.{unknown[0]}"
        )
    merged = {m.key for m in detail.materials}
    unknown = sorted(set(materials) - merged)
    if unknown:
        raise ValidationFailed(
            _("该主题没有这项材料：%(key)s") % {"key": unknown[0]}, field=f"materials.{unknown[0]}"
        )
    now = deadlines.now()
    app = ThemeApplication(theme=detail.theme, submitted_by=actor, submitted_at=now, idempotency_key=key)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        if key:
            return ThemeApplication.objects.get(submitted_by=actor, idempotency_key=key)
        raise
    for version in detail.items:
        code = version.item.implementation_code
        own = {m.key for m in version.materials.all()}
        try:
            case = case_submit(
                actor=actor,
                item=code,
                channel=channel,
                id_number=id_number,
                uscc=uscc,
                form_data=forms.get(code),
                materials={k: v for k, v in materials.items() if k in own},
                theme_application=app,
            )
        except ValidationFailed as exc:  # name the item the error belongs to
            errors = {f"{code}.{f}" if f.startswith("form") else f: m for f, m in exc.errors.items()}
            raise ValidationFailed(f"{version.name}: {exc.message}", errors=errors) from exc
        app.applicant_person_id, app.applicant_enterprise_id = (
            case.applicant_person_id,
            case.applicant_enterprise_id,
        )
    app.number = f"{settings.YIMEN_DISTRICT_CODE}T{timezone.localdate(now):%Y%m%d}{app.pk:06d}"
    app.save(update_fields=["number", "applicant_person", "applicant_enterprise"])
    audit.record(
        kind="cases.theme.submit",
        subject=app,
        actor=actor,
        content={"number": app.number, "theme": detail.theme.code, "items": sorted(codes)},
    )
    return app


@transaction.atomic
def theme_accept(*, application: ThemeApplication, actor, paper=()) -> ThemeApplication:
    """Accept every sub-case at once (one window, one acceptance); the theme's promised date starts."""
    require_intake(actor)
    app = ThemeApplication.objects.select_for_update().select_related("theme").get(pk=application.pk)
    if app.accepted_at is not None:
        raise Conflict(_("该主题办件已受理"), field="status")
    paper = list(paper)
    for case in Case.objects.filter(theme_application=app).order_by("id"):
        own = set(case.materials.values_list("key", flat=True))
        case_accept(case=case, actor=actor, paper=[k for k in paper if k in own])
    app.accepted_at = deadlines.now()
    app.due_date = deadlines.add_days(deadlines.today(), app.theme.promised_days, deadlines.WORKING)
    app.save(update_fields=["accepted_at", "due_date"])
    audit.record(
        kind="cases.theme.accept",
        subject=app,
        actor=actor,
        content={"number": app.number, "due": str(app.due_date)},
    )
    return app
