"""Event pages: 随手拍 for citizens, the grid worker's mobile page, the 12345 operator's form, the receipt,
the department's live inbox (server-sent events), the command-centre board, the triage queue, the
routing rules editor and the event detail with its timeline. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts import roles
from yimen.common.errors import DomainError, NotFound
from yimen.events import selectors, services
from yimen.events.models import Channel, JointRequest, JointTask, OpinionPost
from yimen.events.workflow import OPEN_STATES, Status
from yimen.places import selectors as places


def _need(request, capability: str) -> None:
    if not request.user.can(capability):
        raise DjangoPermissionDenied


def _form_errors(exc: DomainError) -> dict:
    return {"error": exc.message, "errors": exc.errors}


REPORT_PAGES = {
    Channel.CITIZEN: ("events/report_citizen.html", None),
    Channel.GRID: ("events/report_grid.html", roles.EVENT_REPORT_GRID),
    Channel.HOTLINE: ("events/report_hotline.html", roles.EVENT_REPORT_HOTLINE),
}


def _report_page(request, channel: str):
    template, capability = REPORT_PAGES[channel]
    if capability:
        _need(request, capability)
    ctx: dict = {"form": request.POST, "channel": channel}
    if request.method == "POST":
        data = request.POST
        try:
            report = services.event_report(
                channel=channel,
                text=data.get("text", ""),
                lat=data.get("lat") or None,
                lng=data.get("lng") or None,
                address=data.get("address", ""),
                reporter=None if channel == Channel.HOTLINE else request.user,
                actor=request.user,
                reporter_name=data.get("reporter_name", "") if channel == Channel.HOTLINE else "",
                reporter_phone=data.get("reporter_phone", ""),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            ctx.update(_form_errors(exc))
            return render(request, template, ctx, status=400)
        messages.success(request, _("已收到您的反映，编号 %(n)s") % {"n": report.number})
        if channel == Channel.CITIZEN:
            return redirect("events:track", token=report.token)
        return redirect("events:detail", number=report.event.number)
    return render(request, template, ctx)


@login_required
def report_citizen(request):
    return _report_page(request, Channel.CITIZEN)


@login_required
def report_grid(request):
    return _report_page(request, Channel.GRID)


@login_required
def report_hotline(request):
    return _report_page(request, Channel.HOTLINE)


def track(request, token: str):
    """The receipt: anyone holding the token follows the report, sees the outcome, rates or reopens."""
    try:
        report = selectors.report_by_token(token)
    except NotFound:
        raise Http404 from None
    ctx: dict = {"report": report, "event": report.event}
    if request.method == "POST":
        try:
            if "score" in request.POST:
                services.report_rate(
                    report=report,
                    actor=request.user if request.user.is_authenticated else None,
                    token=token,
                    score=request.POST.get("score"),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("感谢您的评价"))
            else:
                services.event_reopen(
                    event=report.event,
                    report=report,
                    token=token,
                    actor=request.user if request.user.is_authenticated else None,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("已重新打开，将再次派遣处置"))
            return redirect("events:track", token=token)
        except DomainError as exc:
            ctx.update(_form_errors(exc))
    public = [h for h in report.event.history.all() if h.to_status]
    ctx.update({"timeline": public, "closed": report.event.status == Status.CLOSED})
    return render(request, "events/track.html", ctx, status=400 if "error" in ctx else 200)


@login_required
def mine(request):
    return render(request, "events/mine.html", {"reports": selectors.reports_of(request.user)[:100]})


@login_required
def inbox(request):
    _need(request, roles.EVENT_HANDLE)
    return render(
        request,
        "events/inbox.html",
        {
            "events": selectors.inbox(request.user)[:200],
            "cursor": selectors.last_history_id(),
        },
    )


@login_required
def inbox_stream(request):
    from yimen.events.stream import inbox_response

    _need(request, roles.EVENT_HANDLE)
    if request.user.department_id is None:
        raise DjangoPermissionDenied
    return inbox_response(request)


def _scope(request) -> tuple:
    """The division the page is limited to (the level switcher's `area`, else the viewer's street or
    village) and the switcher's context. An area outside the viewer's scope falls back with a message."""
    try:
        code = request.GET.get("area") or request.GET.get("street", "")  # `street`: the older links
        within = selectors.scope_division(request.user, code)
    except DomainError as exc:
        messages.error(request, exc.message)
        within = selectors.scope_division(request.user)
    return within, selectors.level_switcher(request.user, within)


@login_required
def board(request):
    _need(request, roles.EVENT_VIEW)
    q = request.GET
    status = q.get("status", "") if q.get("status", "") in Status.values else ""
    within, switcher = _scope(request)
    escalated = q.get("escalated") == "1"
    events = selectors.events_filtered(
        request.user,
        status=status,
        category=q.get("category", ""),
        department=q.get("department", ""),
        division=q.get("division", ""),
        open_only=not status,
        within=within,
        escalated=escalated,
    )
    counts = {s: 0 for s in OPEN_STATES}
    open_events = selectors.events_filtered(request.user, open_only=True, within=within).order_by()
    for row in open_events.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return render(
        request,
        "events/board.html",
        {
            "events": selectors.with_escalation(events)[:100],
            "points": selectors.map_points(events),
            "counts": [(Status(s).label, s, counts[s]) for s in Status.values if s in counts],
            "escalated_count": open_events.filter(escalated_to__isnull=False).count(),
            "escalated": escalated,
            "categories": selectors.categories(),
            "departments": places.departments(),
            "statuses": Status.choices,
            "filters": q,
            "switcher": switcher,
            "grids_url": selectors.grids_url_for(reverse("places:grids-geojson"), within),
            "fit_map": within is not None,
            "triage_count": selectors.triage_queue(request.user).count(),
            "joint_count": selectors.joint_pending(request.user).count(),
        },
    )


STATS_PERIODS = {"30": 30, "90": 90, "365": 365}


@login_required
def stats(request):
    """Statistics: closure and on-time rates, average times, satisfaction, by category, department and
    street, hot spots on the map. Scope as for every event read."""
    import datetime as dt

    from django.utils import timezone

    from yimen.events.statistics import statistics

    _need(request, roles.EVENT_VIEW)
    period = request.GET.get("days", "90") if request.GET.get("days", "90") in STATS_PERIODS else "90"
    within, switcher = _scope(request)
    since = timezone.now() - dt.timedelta(days=STATS_PERIODS[period])
    data = statistics(request.user, since=since, within=within)
    hot = [
        {
            "lat": h["grid__centroid_lat"],
            "lng": h["grid__centroid_lng"],
            "n": h["total"],
            "name": f"{h['village__name']} {h['grid__name']}",
        }
        for h in data["hot_spots"]
        if h["grid__centroid_lat"] is not None
    ]
    return render(
        request,
        "events/stats.html",
        {
            **data,
            "hot": hot,
            "period": period,
            "periods": STATS_PERIODS,
            "switcher": switcher,
            "grids_url": selectors.grids_url_for(reverse("places:grids-geojson"), within),
            "fit_map": within is not None,
        },
    )


@login_required
def triage(request):
    _need(request, roles.EVENT_COMMAND)
    return render(
        request,
        "events/triage.html",
        {
            "events": selectors.triage_queue(request.user)[:200],
            "subcategories": selectors.subcategories(),
            "departments": places.departments(),
            "joint": selectors.joint_pending(request.user),
        },
    )


@login_required
def rules(request):
    _need(request, roles.EVENT_COMMAND)
    ctx: dict = {"form": {}}
    if request.method == "POST":
        data = request.POST
        op = data.get("op", "create")
        try:
            if op == "create":
                services.routing_rule_create(
                    actor=request.user,
                    department=data.get("department", ""),
                    category=data.get("category", ""),
                    subcategory=data.get("subcategory", ""),
                    division=data.get("division", ""),
                    note=data.get("note", ""),
                )
            elif op == "move":
                services.routing_rule_move(
                    actor=request.user, rule_id=data.get("rule"), position=int(data.get("position") or 0)
                )
            elif op == "delete":
                services.routing_rule_delete(actor=request.user, rule_id=data.get("rule"))
            elif op == "toggle":
                rule = selectors.routing_rules().filter(pk=data.get("rule")).first()
                if rule is None:
                    raise NotFound(_("未找到派遣规则 (routing rule not found)"), field="rule")
                services.routing_rule_update(
                    actor=request.user,
                    rule_id=rule.pk,
                    department=rule.department.code,
                    category=rule.category.code if rule.category else "",
                    subcategory=rule.subcategory.code if rule.subcategory else "",
                    division=rule.division.code if rule.division else "",
                    note=rule.note,
                    active=not rule.active,
                )
            messages.success(request, _("派遣规则已保存"))
            return redirect("events:rules")
        except (DomainError, ValueError) as exc:
            ctx.update(_form_errors(exc) if isinstance(exc, DomainError) else {"error": str(exc)})
            ctx["form"] = data
    ctx.update(
        {
            "rules": selectors.routing_rules(),
            "categories": selectors.categories(),
            "subcategories": selectors.subcategories(),
            "departments": places.departments(),
            "divisions": places.divisions().filter(level__lte=4)[:400],
        }
    )
    return render(request, "events/rules.html", ctx, status=400 if "error" in ctx else 200)


@login_required
def detail(request, number: str):
    try:
        event = selectors.event_for(request.user, number)
    except NotFound:
        raise Http404 from None
    return render(request, "events/detail.html", _detail_context(request.user, event))


def _detail_context(user, event, *, revealed: dict | None = None) -> dict:
    """The detail page; `revealed`: {report pk: full contact values} just read through the logged reveal,
    shown on this one response only."""
    revealed = revealed or {}
    return {
        "event": event,
        "reports": [(r, selectors.reporter_masked(r), revealed.get(r.pk)) for r in event.reports.all()],
        "can_reveal": user.can(roles.EVENT_HANDLE) or user.can(roles.EVENT_COMMAND),
        "timeline": event.history.select_related("department").all(),
        "photos": event.photos.all(),
        "tasks": event.joint_tasks.select_related("department"),
        "pending_joint": event.joint_requests.filter(state=JointRequest.State.PENDING).first(),
        "is_handler": user.can(roles.EVENT_HANDLE) and user.department_id == event.department_id,
        "can_command": user.can(roles.EVENT_COMMAND),
        "can_verify": user.can(roles.EVENT_VERIFY),
        "my_task": event.joint_tasks.filter(department_id=user.department_id, done_at__isnull=True).first()
        if user.department_id
        else None,
        "subcategories": selectors.subcategories(),
        "departments": places.departments(),
        "escalations": [h for h in event.history.all() if h.action == "escalated"],
        "sensor_readings": event.sensor_readings.select_related("device").order_by("-at", "-id")[:50],
        "opinion_posts": OpinionPost.objects.filter(report__event=event).select_related("report"),
    }


@login_required
@require_POST
def contact_reveal(request, number: str):
    """查看完整信息: a reporter's full name and phone, with a reason; logged; shown on this response only."""
    try:
        event = selectors.event_for(request.user, number)
    except NotFound:
        raise Http404 from None
    report = event.reports.filter(pk=request.POST.get("report") or 0).first()
    if report is None:
        raise Http404
    try:
        values = services.report_contact_reveal(
            actor=request.user, report=report, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("events:detail", number=event.number)
    ctx = _detail_context(request.user, event, revealed={report.pk: values})
    response = render(request, "events/detail.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def act(request, number: str, action: str):
    """One form post per action on the detail page; errors come back as a message, nothing changes."""
    try:
        event = selectors.event_for(request.user, number)
    except NotFound:
        raise Http404 from None
    data, user = request.POST, request.user
    try:
        if action == "acknowledge":
            services.event_acknowledge(event=event, actor=user)
        elif action == "return":
            services.event_return(event=event, actor=user, reason=data.get("reason", ""))
        elif action == "resolve":
            services.event_resolve(
                event=event, actor=user, action=data.get("action", ""), photos=request.FILES.getlist("photos")
            )
        elif action == "verify":
            services.event_verify(
                event=event, actor=user, passed=data.get("passed") == "1", note=data.get("note", "")
            )
        elif action == "dispatch":
            services.event_dispatch(
                event=event,
                actor=user,
                subcategory=data.get("subcategory", ""),
                department=data.get("department", ""),
                note=data.get("note", ""),
            )
        elif action == "reject":
            services.event_reject(event=event, actor=user, reason=data.get("reason", ""))
        elif action == "reopen":
            services.event_reopen(event=event, actor=user, reason=data.get("reason", ""))
        elif action == "joint":
            services.joint_request(
                event=event,
                actor=user,
                departments=data.getlist("departments"),
                reason=data.get("reason", ""),
            )
        elif action == "joint-decide":
            row = event.joint_requests.filter(pk=data.get("request")).first()
            if row is None:
                raise NotFound(_("未找到申请 (request not found)"))
            services.joint_decide(
                request=row, actor=user, approve=data.get("approve") == "1", note=data.get("note", "")
            )
        elif action == "task":
            task = JointTask.objects.filter(pk=data.get("task"), event=event).first()
            if task is None:
                raise NotFound(_("未找到任务 (task not found)"))
            services.joint_task_complete(task=task, actor=user, result=data.get("result", ""))
        else:
            raise Http404
        messages.success(request, _("操作已完成"))
    except DomainError as exc:
        messages.error(request, exc.message)
    nxt = data.get("next", "")
    if nxt.startswith("/events/"):
        return redirect(nxt)
    return redirect("events:detail", number=number)
