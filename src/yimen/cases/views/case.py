"""Pages of a case: the staff queue, case detail with its actions, the receipt with its ledger proof,
the applicant's own cases, theme applications and the statistics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts import roles
from yimen.cases import certificates, deadlines, selectors, services, workflow
from yimen.cases.models import MaterialState, Status
from yimen.catalog import selectors as catalog
from yimen.catalog.models.item import ResultType
from yimen.common.errors import DomainError, NotFound
from yimen.registry import selectors as registry
from yimen.registry.serializers import current_masked, field_label


@login_required
def queue(request):
    user = request.user
    if user.is_citizen_side:
        return redirect("cases:mine")
    return render(
        request,
        "cases/queue.html",
        {
            "can_decide": user.can(roles.CASE_DECIDE),
            "perms_intake": user.can(roles.CASE_INTAKE),
            "rows": selectors.approver_queue(user, today=deadlines.today()),
            "intake": selectors.intake_queue(user)[:100],
            "reminders": selectors.reminders_for(user)[:50],
        },
    )


def _my_sources(user) -> list[dict]:
    """我的数据: which registry fields of mine (or my enterprise's) came from which case; values masked."""
    rows = []
    for subject, kind in ((user.person, "person"), (user.enterprise, "enterprise")):
        if subject is None:
            continue
        for row in registry.field_sources(**{kind: subject})[:50]:
            kind_, _sep, ref = row.source.partition(":")
            rows.append(
                {
                    "label": field_label(row),
                    "current": current_masked(row, subject),
                    "case_id": int(ref) if kind_ == "cases.case" and ref.isdigit() else None,
                    "case_number": row.source_label or row.source,
                    "at": row.at,
                }
            )
    return rows


@login_required
def mine(request):
    """The applicant's cases and certificates, where their registry data came from (数据沉淀), and a way
    into the online hall (find an item, apply)."""
    q = request.GET.get("q", "").strip()
    return render(
        request,
        "cases/mine.html",
        {
            "cases": selectors.cases_mine(request.user)[:200],
            "certificates": selectors.certificates_mine(request.user),
            "sources": _my_sources(request.user),
            "q": q,
            "items": [v for v in catalog.items_search(q, limit=10) if v.online_depth >= 3] if q else [],
        },
    )


def stats(request):
    return render(
        request,
        "cases/stats.html",
        {
            "by_department": selectors.satisfaction(by="department"),
            "by_item": selectors.satisfaction(by="item")[:30],
            "volumes": {
                by: selectors.case_statistics(by=by)[:30]
                for by in ("department", "item", "channel", "division")
            },
        },
    )


def _case(request, pk: int):
    try:
        return selectors.case_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def case_detail(request, pk: int):
    case = _case(request, pk)
    user = request.user
    decider = user.can(roles.CASE_DECIDE) and user.department_id == case.department_id
    steps = list(case.steps.select_related("done_by"))
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "status_label": workflow.status_label(case.status),
            "flags": deadlines.flags(case, deadlines.today()),
            "materials": list(case.materials.select_related("upload")),
            "missing_state": MaterialState.MISSING,
            "steps": steps,
            "current": steps[case.current_step] if case.current_step < len(steps) else None,
            "is_last_step": case.current_step == len(steps) - 1,
            "history": case.history.select_related("actor"),
            "actions": workflow.allowed_actions(case.status),
            "decider": decider,
            "clerk": user.can(roles.CASE_INTAKE),
            "applicant": services.transition.is_applicant(user, case),
            "certificate": getattr(case, "certificate", None)
            if case.status in (Status.APPROVED, Status.DELIVERED)
            else None,
            "result_document": _has_result_document(case),
            "rating": getattr(case, "rating", None),
            "rateable": case.status in services.results.RATEABLE,
        },
    )


def _has_result_document(case) -> bool:
    return (
        case.status in (Status.APPROVED, Status.DELIVERED)
        and case.version.result_type == ResultType.DOCUMENT
        and certificates.cjk_font() is not None
    )


@login_required
def result_document(request, pk: int):
    """Download the result document (证明、批文) of an approved case, for whoever may see the case."""
    case = _case(request, pk)
    if not _has_result_document(case):
        raise Http404
    url = certificates.document_verify_url(case, request)
    response = HttpResponse(certificates.result_document_pdf(case, url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.pdf"'
    return response


@login_required
def theme_detail(request, pk: int):
    """A theme application: its items and their progress, materials before/after merging, promised date."""
    try:
        progress = selectors.theme_application_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return render(request, "cases/theme.html", {"p": progress, "app": progress.application})


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ACTIONS = {
    "accept": lambda c, u, p, f: services.case_accept(case=c, actor=u, paper=p.getlist("paper")),
    "request_correction": lambda c, u, p, f: services.case_request_correction(
        case=c, actor=u, missing=p.getlist("missing"), note=p.get("note", "")
    ),
    "resubmit": lambda c, u, p, f: services.case_resubmit_with_files(
        case=c,
        actor=u,
        paper=p.getlist("paper"),
        files={k.removeprefix("file."): v for k, v in f.items() if k.startswith("file.")},
    ),
    "refuse": lambda c, u, p, f: services.case_refuse(case=c, actor=u, reason=p.get("reason", "")),
    "withdraw": lambda c, u, p, f: services.case_withdraw(case=c, actor=u, reason=p.get("reason", "")),
    "step": lambda c, u, p, f: services.case_step_complete(
        case=c, actor=u, opinion=p.get("opinion", ""), step=_int_or_none(p.get("step"))
    ),
    "approve": lambda c, u, p, f: services.case_approve(
        case=c, actor=u, opinion=p.get("opinion", ""), step=_int_or_none(p.get("step"))
    ),
    "reject": lambda c, u, p, f: services.case_reject(
        case=c, actor=u, reason=p.get("reason", ""), step=_int_or_none(p.get("step"))
    ),
    "extend": lambda c, u, p, f: services.case_extend(
        case=c, actor=u, days=_int_or_none(p.get("days")) or 0, reason=p.get("reason", "")
    ),
    "deliver": lambda c, u, p, f: services.case_deliver(
        case=c, actor=u, method=p.get("method", ""), tracking_number=p.get("tracking_number", "")
    ),
    "rate": lambda c, u, p, f: services.case_rate(
        case=c, actor=u, score=_int_or_none(p.get("score")) or 0, comment=p.get("comment", "")
    ),
}


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    case = _case(request, pk)
    try:
        ACTIONS[action](case, request.user, request.POST, request.FILES)
    except DomainError as exc:
        messages.error(request, exc.message)
        response = redirect("cases:detail", pk=pk)
        response.status_code = 303
        return response
    messages.success(
        request, _("已办理：%(action)s") % {"action": workflow.ACTIONS.get(action, _("审批环节"))}
    )
    return redirect("cases:detail", pk=pk)


@login_required
def receipt(request, pk: int):
    """受理回执 (or the notice of correction / refusal): printable, with the ledger proof of the record."""
    case = _case(request, pk)
    last = case.history.order_by("-id").first()
    return render(
        request,
        "cases/receipt.html",
        {
            "case": case,
            "status_label": workflow.status_label(case.status),
            "record": last,
            "proof": selectors.ledger_proof(last.ledger_index if last else None),
            "steps": list(case.steps.all()),
            "materials": list(case.materials.all()),
        },
    )
