"""Pages of intake: the clerk's general window (identify, choose any item, check materials, decide)
and the online hall where a citizen or an enterprise agent applies."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.cases import deadlines, services, workflow
from yimen.cases import materials as reuse
from yimen.cases.services.intake import window_level
from yimen.catalog import selectors as catalog
from yimen.common.errors import DomainError, NotFound
from yimen.common.masking import mask_id_number, mask_name
from yimen.registry import selectors as registry


def _require(request, capability: str) -> None:
    if not request.user.can(capability):
        raise DjangoPermissionDenied


def _form_fields(version, *, prefix: str = "form", data=None) -> list[dict]:
    """Inputs for the item's JSON Schema form (fields the registry fills are left out). `prefix` names the
    inputs (`form.<field>`; a theme's items: `form.<item code>.<field>`); `data` refills them after an error."""
    schema = version.form_schema or {}
    required = set(schema.get("required", []))
    fields = []
    for name, spec in schema.get("properties", {}).items():
        if name in ("id_number", "name", "uscc", "enterprise_name"):
            continue
        key = f"{prefix}.{name}"
        fields.append(
            {
                "name": name,
                "input": key,
                "id": "f-" + key.removeprefix("form.").replace(".", "-"),
                "value": data.get(key, "") if data is not None else "",
                "chosen": data.getlist(key) if data is not None and hasattr(data, "getlist") else [],
                "title": spec.get("title", name),
                "type": spec.get("type", "string"),
                "enum": spec.get("enum"),
                # a multiple choice (array of an enum) is a group of checkboxes
                "options": (spec.get("items") or {}).get("enum") if spec.get("type") == "array" else None,
                "required": name in required,
            }
        )
    return fields


def _form_data(post, version, *, prefix: str = "form") -> dict:
    out = {}
    for f in _form_fields(version, prefix=prefix):
        raw = post.get(f["input"], "")
        if f["type"] == "boolean":
            out[f["name"]] = raw == "on"
        elif f["type"] == "array":
            chosen = post.getlist(f["input"])
            if chosen:
                out[f["name"]] = chosen
        elif raw == "":
            continue
        elif f["type"] in ("integer", "number"):
            try:
                out[f["name"]] = int(raw) if f["type"] == "integer" else float(raw)
            except ValueError:
                out[f["name"]] = raw  # the schema check reports it against the field
        else:
            out[f["name"]] = raw
    return out


def _intake_check(request, params) -> dict:
    """Applicant (masked) and the material checklist for the chosen item, as the clerk sees them."""
    ctx: dict = {}
    id_number, uscc, code = (params.get(k, "").strip() for k in ("id_number", "uscc", "item"))
    try:
        if id_number:
            person = registry.person_identify(user=request.user, id_number=id_number)
            ctx["applicant"] = {"name": mask_name(person.name), "id": mask_id_number(person.id_number)}
            ctx["person"], enterprise = person, None
        elif uscc:
            enterprise = registry.enterprise_by_uscc(uscc=uscc)
            ctx["applicant"] = {"name": enterprise.name, "id": enterprise.uscc}
            person = None
        else:
            return ctx
        if code:
            version = catalog.item_current(code)
            today = deadlines.today()
            ctx["version"] = version
            ctx["checklist"] = [
                (m, reuse.reuse_for(m, person=person, enterprise=enterprise, today=today))
                for m in version.materials.all()
            ]
            ctx["form_fields"] = _form_fields(version)
            ctx["level_ok"] = window_level(request.user) in (version.accept_levels or ["district"])
    except DomainError as exc:
        ctx["error"] = exc.message
    return ctx


@login_required
def intake(request):
    _require(request, roles.CASE_INTAKE)
    # POST only: ID numbers stay out of URLs and access logs. Without `decision` it is the check step.
    params = request.POST if request.method == "POST" else request.GET.copy()
    ctx = {"q": params, **_intake_check(request, params)}
    if request.method == "POST" and request.POST.get("decision") and ctx.get("version"):
        try:
            case = services.case_take_in(
                actor=request.user,
                decision=request.POST.get("decision", ""),
                item=ctx["version"].item.implementation_code,
                id_number=request.POST.get("id_number", ""),
                uscc=request.POST.get("uscc", ""),
                form_data=_form_data(request.POST, ctx["version"]),
                paper=request.POST.getlist("paper"),
                missing=request.POST.getlist("missing"),
                note=request.POST.get("note", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as exc:
            ctx["error"], ctx["errors"] = exc.message, exc.errors
        else:
            messages.success(
                request,
                _("办件 %(number)s：%(status)s")
                % {"number": case.number, "status": workflow.status_label(case.status)},
            )
            return redirect("cases:receipt", pk=case.pk)
    ctx["idempotency_key"] = params.get("idempotency_key") or uuid.uuid4().hex
    template = "cases/_intake_check.html" if request.htmx else "cases/intake.html"
    return render(request, template, ctx)


@login_required
def apply(request, code: str):
    """The online hall: a citizen (or an enterprise's agent) applies for an item. Materials the
    government holds are reused and marked so; the rest are uploaded; the form comes from the item's
    JSON Schema and is checked on the server."""
    user = request.user
    if not user.is_citizen_side:
        return redirect("cases:intake")
    try:
        version = catalog.item_current(code)
    except NotFound:
        raise Http404 from None
    person = user.person if user.person_id and version.service_object != "legal_person" else None
    enterprise = user.enterprise if person is None else None
    today = deadlines.today()
    checklist = [
        (m, reuse.reuse_for(m, person=person, enterprise=enterprise, today=today))
        for m in version.materials.all()
    ]
    ctx = {
        "version": version,
        "checklist": checklist,
        "form_fields": _form_fields(version, data=request.POST if request.method == "POST" else None),
    }
    if request.method == "POST":
        files = {
            m.key: request.FILES[f"file.{m.key}"]
            for m, r in checklist
            if r is None and f"file.{m.key}" in request.FILES
        }
        try:
            case = services.case_apply_online(
                actor=user,
                item=code,
                files=files,
                form_data=_form_data(request.POST, version),
                uscc=enterprise.uscc if enterprise is not None else "",
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as exc:
            ctx["error"], ctx["errors"] = exc.message, exc.errors
        else:
            messages.success(request, _("已提交，办件编号 %(number)s") % {"number": case.number})
            return redirect("cases:receipt", pk=case.pk)
    ctx["idempotency_key"] = request.POST.get("idempotency_key") or uuid.uuid4().hex
    return render(request, "cases/apply.html", ctx)


@login_required
def intake_items(request):
    _require(request, roles.CASE_INTAKE)
    q = request.GET.get("item_q", "").strip()
    return render(
        request, "cases/_item_choices.html", {"items": catalog.items_search(q, limit=12) if q else []}
    )


@login_required
def theme_intake(request, code: str):
    """主题办 at a general window: identify the applicant, check the merged material list once, and file
    and accept one sub-case per item of the theme in one step; each department then approves its own."""
    _require(request, roles.CASE_INTAKE)
    try:
        detail = catalog.theme_detail(code)
    except NotFound:
        raise Http404 from None
    params = request.POST if request.method == "POST" else request.GET
    posted = request.POST if request.method == "POST" else None
    # Each item's own application form, its inputs named by the item's code (one form per sub-case).
    item_forms = [
        (v, fields)
        for v in detail.items
        if (fields := _form_fields(v, prefix=f"form.{v.item.implementation_code}", data=posted))
    ]
    ctx = {
        "t": detail,
        "q": params,
        "materials": detail.materials,
        "checked": params.getlist("paper"),
        "item_forms": item_forms,
    }
    if request.method == "POST":
        paper = request.POST.getlist("paper")
        forms = {
            v.item.implementation_code: _form_data(
                request.POST, v, prefix=f"form.{v.item.implementation_code}"
            )
            for v, _fields in item_forms
        }
        try:
            with transaction.atomic():
                app = services.theme_submit(
                    actor=request.user,
                    theme=code,
                    channel="window",
                    id_number=request.POST.get("id_number", "").strip(),
                    uscc=request.POST.get("uscc", "").strip(),
                    forms=forms,
                    materials={key: {"paper": True} for key in paper},
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
                if app.accepted_at is None:  # an idempotent replay of an accepted one is just shown
                    services.theme_accept(application=app, actor=request.user, paper=paper)
        except DomainError as exc:
            ctx["error"], ctx["errors"] = exc.message, exc.errors
        else:
            messages.success(request, _("主题办件 %(number)s 已受理") % {"number": app.number})
            return redirect("cases:theme_detail", pk=app.pk)
    ctx["idempotency_key"] = params.get("idempotency_key") or uuid.uuid4().hex
    return render(request, "cases/theme_intake.html", ctx)
