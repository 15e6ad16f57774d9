"""Pages: the staff policy library and one policy's matched enterprises (with 重新匹配), and an
enterprise's 惠企政策 with 一键申报 and 不需要."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.common.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from yimen.policies import selectors, services


def domain_page(view):
    """Domain errors as HTTP: not found -> 404, permission -> 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except NotFound:
            raise Http404 from None

    return wrapped


@domain_page
def library(request):
    return render(
        request,
        "policies/library.html",
        {"rows": selectors.policy_library(request.user), "can_rematch": selectors.can_rematch(request.user)},
    )


@domain_page
def detail(request, code: str):
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    context = selectors.policy_detail(request.user, code, page=page, state=request.GET.get("state", ""))
    context["can_rematch"] = selectors.can_rematch(request.user)
    return render(request, "policies/detail.html", context)


@require_POST
@domain_page
def rematch(request, code: str):
    selectors.require_staff(request.user)
    if not selectors.can_rematch(request.user):
        raise PermissionDenied(_("重新匹配会向企业发送通知，需要消息推送管理权限"))
    try:
        result = services.policies_match(policy_codes=[code], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        counts = result[code]
        messages.success(
            request,
            _(
                "匹配完成：符合条件 %(eligible)d 家，新增 %(created)d，不再符合 %(expired)d，本次通知 %(notified)d"
            )
            % counts,
        )
    return redirect("policies:detail", code=code)


@domain_page
def mine(request):
    try:
        context = selectors.policies_mine(request.user)
    except PermissionDenied as exc:  # no enterprise to show: say how to get one, not a bare 403
        return render(request, "policies/mine.html", {"no_enterprise": exc.message}, status=403)
    failure = request.session.pop("policies_apply_failure", None)
    context["failure"] = failure
    return render(request, "policies/mine.html", context)


def _missing(exc: ValidationFailed) -> list[str]:
    return [message for messages_ in exc.errors.values() for message in messages_] or [exc.message]


@require_POST
@domain_page
def apply(request, pk: int):
    match = selectors.match_of_agent(request.user, pk)
    try:
        match = services.policy_apply(match=match, actor=request.user)
    except ValidationFailed as exc:
        # Materials the government does not hold, or form fields the registry cannot fill: say which, and
        # send the agent to the normal online application of the item.
        item = match.policy.item
        request.session["policies_apply_failure"] = {
            "match": match.pk,
            "policy": match.policy.name,
            "problems": _missing(exc),
            "item_url": reverse("portal:item", args=[item.implementation_code]) if item else "",
        }
        return redirect(reverse("policies:mine") + f"#policy-{match.policy.code}")
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
        return redirect("policies:mine")
    messages.success(request, _("已提交申报，办件编号 %(n)s") % {"n": match.case.number})
    return redirect("cases:detail", pk=match.case_id)


@require_POST
@domain_page
def dismiss(request, pk: int):
    match = selectors.match_of_agent(request.user, pk)
    try:
        services.policy_dismiss(match=match, actor=request.user)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已标记为不需要：%(p)s") % {"p": match.policy.name})
    return redirect("policies:mine")
