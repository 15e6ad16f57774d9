"""Staff pages: the tag library, a person's tags with why, the segment builder (count updates live
through htmx as the expression changes; masked list; logged export) and the life-event rules. Citizen
page: the offers life events brought (为您推荐), with one-click applications."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts import roles
from yimen.common.errors import DomainError, NotFound, PermissionDenied
from yimen.places.models import Division
from yimen.proactive import api, segments, selectors, services
from yimen.proactive.models import SavedSegment, TagDefinition


def staff_page(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            selectors.require_staff(request.user)
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except NotFound:
            raise Http404 from None

    return wrapped


@staff_page
def tag_library(request):
    return render(request, "proactive/tags.html", {"rows": selectors.tags_library(request.user)})


@staff_page
def person_tags(request, pk: int):
    person, rows = selectors.person_tags(user=request.user, pk=pk, all_tags=request.GET.get("all") == "1")
    return render(
        request,
        "proactive/person_tags.html",
        {"person": person, "rows": rows, "all_tags": request.GET.get("all") == "1"},
    )


def _pickers():
    tags = TagDefinition.objects.filter(kind="person", enabled=True)
    divisions = Division.objects.filter(level__in=[Division.Level.STREET, Division.Level.VILLAGE]).only(
        "code", "name", "level", "path"
    )
    streets = [d for d in divisions if d.level == Division.Level.STREET]
    villages = {
        s.code: [d for d in divisions if d.level == Division.Level.VILLAGE and s.path in d.path]
        for s in streets
    }
    return tags, [(s, villages[s.code]) for s in streets]


def _outcome(request, expression: str, page: int = 1) -> dict:
    """The count (and the first page) of an expression, or its error, for the builder's partials."""
    if not expression.strip():
        return {"expression": expression}
    try:
        result, persons, pages = selectors.segment_page(user=request.user, expression=expression, page=page)
    except DomainError as exc:
        return {"expression": expression, "error": exc.message}
    return {
        "expression": expression,
        "result": result,
        "canonical": segments.to_text(result.tree),
        "persons": persons,
        "page": page,
        "pages": pages,
        "prev_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
    }


@staff_page
def segment_builder(request):
    expression = request.GET.get("expression", "")
    saved = request.GET.get("saved")
    if saved:
        segment = get_object_or_404(SavedSegment, pk=saved, owner=request.user)
        expression = segment.expression
    tags, streets = _pickers()
    context = {
        "tags": tags,
        "streets": streets,
        "saved": selectors.segments_saved(request.user),
        "can_read_full": request.user.can(roles.PERSON_READ_FULL),
        **_outcome(request, expression),
    }
    return render(request, "proactive/segments.html", context)


@staff_page
def segment_result(request):
    """htmx partial: count, canonical form, the masked list page (or the error with its position)."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        page = max(1, int(source.get("page", "1")))
    except ValueError:
        page = 1
    return render(
        request, "proactive/_segment_result.html", _outcome(request, source.get("expression", ""), page)
    )


@require_POST
@staff_page
def segment_export(request):
    expression = request.POST.get("expression", "")
    try:
        row, ids = services.segment_export(
            actor=request.user,
            expression=expression,
            reason=request.POST.get("reason", ""),
            unmasked=request.POST.get("unmasked") == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("proactive:segments") + "?" + urlencode({"expression": expression}))
    return api.csv_response(
        user=request.user, ids=ids, filename=f"segment-export-{row.pk}.csv", unmasked=row.unmasked
    )


@require_POST
@staff_page
def segment_save(request):
    expression = request.POST.get("expression", "")
    try:
        segment = services.segment_save(
            actor=request.user, name=request.POST.get("name", ""), expression=expression
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("proactive:segments") + "?" + urlencode({"expression": expression}))
    messages.success(request, segment.name)
    return redirect(reverse("proactive:segments") + "?" + urlencode({"saved": segment.pk}))


@require_POST
@staff_page
def segment_delete(request, pk: int):
    segment = get_object_or_404(SavedSegment, pk=pk, owner=request.user)
    services.segment_delete(actor=request.user, segment=segment)
    return redirect("proactive:segments")


# ------------------------------------------------------------------------------- life-event offers


@login_required
def offers(request):
    """The citizen's offers (为您推荐): what each life event makes possible, with one-click applications."""
    return render(
        request,
        "proactive/offers.html",
        {"groups": selectors.offers_of(request.user), "linked": bool(request.user.person_id)},
    )


@login_required
@require_POST
def offer_apply(request, pk: int):
    try:
        case = services.offer_apply(offer_id=pk, actor=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("proactive:offers")
    messages.success(request, _("已提交申请，办件编号 %(n)s") % {"n": case.number})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def offer_dismiss(request, pk: int):
    try:
        services.offer_dismiss(offer_id=pk, actor=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("proactive:offers")


@staff_page
def trigger_library(request):
    return render(
        request,
        "proactive/triggers.html",
        {"rows": selectors.triggers_library(request.user), "scans": selectors.trigger_scans()},
    )
