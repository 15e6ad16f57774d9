"""The two one-step entry points: a walk-in application filed and decided at a window, and an online
application with its uploads; and the upload itself (checked by content, SHA-256 stored)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.cases import materials
from yimen.cases.models import Case, Channel, Status, Upload
from yimen.cases.services.intake import (
    case_accept,
    case_refuse,
    case_request_correction,
    case_resubmit,
    case_submit,
)
from yimen.cases.services.transition import require_intake
from yimen.common import audit
from yimen.common.errors import PermissionDenied, ValidationFailed


@transaction.atomic
def upload_store(*, actor, file) -> Upload:
    """Keep an uploaded file after checking its size and content; its SHA-256 is stored with it."""
    checked = materials.check_upload(file)
    name = (getattr(file, "name", "") or "upload").rsplit("/", 1)[-1][:200]
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[checked.content_type]
    upload = Upload(
        original_name=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    upload.file.save(f"{checked.sha256[:32]}.{extension}", File(file), save=False)
    upload.save()
    audit.record(kind="cases.upload.store", subject=upload, actor=actor, content={"sha256": checked.sha256})
    return upload


@transaction.atomic
def case_take_in(
    *,
    actor,
    decision: str,
    paper: Iterable[str] = (),
    missing: Iterable[str] = (),
    note: str = "",
    **submit,
) -> Case:
    """The window's one step: file the walk-in application and decide it (accept / correct / refuse) in
    one transaction, so a refused decision leaves no half-taken-in case behind."""
    require_intake(actor)
    if decision not in ("accept", "request_correction", "refuse"):
        raise ValidationFailed(_("请选择受理、补正或不予受理"), field="decision")
    case = case_submit(actor=actor, channel=Channel.WINDOW, **submit)
    if case.status != Status.SUBMITTED:  # an idempotent replay of a case already decided
        return case
    if decision == "accept":
        return case_accept(case=case, actor=actor, paper=paper)
    if decision == "request_correction":
        return case_request_correction(case=case, actor=actor, missing=missing, note=note)
    return case_refuse(case=case, actor=actor, reason=note)


@transaction.atomic
def case_apply_online(
    *,
    actor,
    item: str,
    files: Mapping[str, object] | None = None,
    form_data: Mapping | None = None,
    uscc: str = "",
    idempotency_key: str = "",
) -> Case:
    """The online hall's one step: store the uploaded files and file the application together, so a
    rejected application leaves no orphan upload behind."""
    if actor.can(roles.CASE_INTAKE):
        raise PermissionDenied(_("窗口人员请使用综合窗口受理"))
    supplied = {}
    for key, file in (files or {}).items():
        try:
            supplied[key] = {"upload": upload_store(actor=actor, file=file)}
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field=f"materials.{key}") from exc
    return case_submit(
        actor=actor,
        item=item,
        channel=Channel.ONLINE,
        uscc=uscc,
        form_data=form_data,
        materials=supplied,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def case_resubmit_with_files(
    *, case: Case, actor, files: Mapping[str, object] | None = None, paper: Iterable[str] = ()
) -> Case:
    """Answer a correction request in one step: store the uploads (the applicant online) and/or mark
    originals checked (a clerk at the window), then resubmit; all or nothing."""
    supplied: dict[str, dict] = {key: {"paper": True} for key in paper}
    for key, file in (files or {}).items():
        try:
            supplied[key] = {"upload": upload_store(actor=actor, file=file)}
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field=f"materials.{key}") from exc
    return case_resubmit(case=case, actor=actor, materials=supplied)
