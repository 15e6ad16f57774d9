"""Portal pages: the citizen's way into the catalog (by life stage, theme, department or search), the
item guide (办事指南), and the staff workbench shell."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.catalog import selectors as catalog
from yimen.common.errors import NotFound

REVEAL_LABELS = {
    "id_number": gettext_lazy("身份证号码"),
    "name": gettext_lazy("姓名"),
    "phone": gettext_lazy("电话"),
    "birth_date": gettext_lazy("出生日期"),
    "residence_address": gettext_lazy("地址"),
    "household_number": gettext_lazy("户号"),
}


def home(request):
    stages = catalog.life_stages()
    return render(
        request,
        "portal/home.html",
        {
            "stages": stages,
            "themes": catalog.themes(),
        },
    )


def search(request):
    q = request.GET.get("q", "").strip()
    results = catalog.items_search(q, limit=30) if q else []
    template = "portal/_search_results.html" if request.htmx else "portal/search.html"
    return render(request, template, {"q": q, "results": results})


def stage(request, code: str):
    stages = {s.code: s for s in catalog.life_stages()}
    if code not in stages:
        raise Http404("no such life stage")
    return render(
        request,
        "portal/item_list.html",
        {
            "heading": stages[code].display_name,
            "crumb": _("按人生阶段"),
            "items": catalog.items_published(life_stage=code),
        },
    )


def departments(request):
    return render(request, "portal/departments.html", {"departments": catalog.departments_with_item_counts()})


def department(request, code: str):
    items = list(catalog.items_published(department=code))
    names = [d for d in catalog.departments_with_item_counts() if d.code == code]
    if not names:
        raise Http404("no such department")
    return render(
        request, "portal/item_list.html", {"heading": names[0].name, "crumb": _("按部门"), "items": items}
    )


def item_guide(request, code: str):
    try:
        version = catalog.item_current(code)
    except NotFound:
        raise Http404("no such item") from None
    return render(request, "portal/item_guide.html", {"v": version})


def themes(request):
    return render(request, "portal/themes.html", {"themes": catalog.themes()})


def theme(request, code: str):
    try:
        detail = catalog.theme_detail(code)
    except NotFound:
        raise Http404("no such theme") from None
    return render(request, "portal/theme.html", {"t": detail})


@login_required
def workbench(request):
    if not request.user.can_workbench:
        raise DjangoPermissionDenied
    from yimen.portal.workbench import workbench_context

    return render(request, "portal/workbench.html", workbench_context(request.user))


@login_required
def registry_lookup(request):
    """Identify an applicant by ID number (masked), with a logged reveal of chosen fields."""
    from yimen.accounts import roles
    from yimen.common.errors import DomainError
    from yimen.registry import selectors as registry
    from yimen.registry import services as registry_services

    if not request.user.can(roles.PERSON_VIEW):
        raise DjangoPermissionDenied
    ctx: dict = {"id_number": request.POST.get("id_number") or request.GET.get("id_number", "")}
    try:
        if ctx["id_number"]:
            ctx["person"] = registry.person_identify(user=request.user, id_number=ctx["id_number"])
            ctx["sources"] = registry.field_sources(person=ctx["person"])[:50]  # 数据沉淀: from which case
        if request.method == "POST" and "reveal" in request.POST and ctx.get("person"):
            revealed = registry_services.person_reveal(
                actor=request.user,
                person=ctx["person"],
                fields=request.POST.getlist("fields"),
                reason=request.POST.get("reason", ""),
            )
            ctx["revealed"] = {REVEAL_LABELS.get(k, k): v for k, v in revealed.items()}
    except DomainError as exc:
        ctx["error"] = exc.message
    return render(request, "portal/registry_lookup.html", ctx)


@login_required
def registry_person_lineage(request, pk: int):
    """Where each of a person's values came from (数据血缘): the fused store's source, department, source
    record and date, and the fields cases changed since (数据沉淀). Values masked, as on the lookup page."""
    from yimen.accounts import roles
    from yimen.registry import lineage
    from yimen.registry import selectors as registry
    from yimen.registry.models import Person

    if not request.user.can(roles.PERSON_VIEW):
        raise DjangoPermissionDenied
    try:
        person = registry.person_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404("no such person in scope") from None
    by_field = {row.field: row for row in registry.field_lineage(person=person)}
    rows = [
        {
            "label": Person._meta.get_field(field).verbose_name,
            "current": lineage.masked_value(person, field),
            "lineage": by_field.get(field),
            "replaced": field in by_field and not lineage.is_current(by_field[field], person),
        }
        for field in lineage.PERSON_FIELDS
    ]
    return render(
        request,
        "portal/registry_person_lineage.html",
        {"person": person, "rows": rows, "sources": registry.field_sources(person=person)[:50]},
    )
