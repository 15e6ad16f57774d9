"""Pages: the citizen's 我的提醒 (inbox) and notification settings; the staff's campaigns (create from a
template and a recipient set, start, follow progress and delivery statistics)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yimen.accounts import roles
from yimen.common.errors import DomainError, NotFound, PermissionDenied
from yimen.notify import selectors, services, workflow
from yimen.notify.errors import ConfirmationRequired
from yimen.notify.models import Channel, Outcome, Template
from yimen.notify.policy import default_quiet
from yimen.places.models import Division

PAGE_SIZE = 30


@login_required
def inbox(request):
    notes = selectors.notifications_of(request.user)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "unread": selectors.unread_count(request.user),
            "linked": bool(request.user.person_id),
        },
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        services.notification_mark_read(notification_id=pk, actor=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return render(
            request, "notify/_item.html", {"n": selectors.notifications_of(request.user).get(pk=pk)}
        )
    return redirect("notify:inbox")


@login_required
@require_POST
def open_action(request, pk: int):
    """The offer's button: mark the notification read, then go where it points (on this site only)."""
    try:
        note = services.notification_mark_read(notification_id=pk, actor=request.user)
    except (NotFound, DomainError):
        raise Http404 from None
    if note.action_url and url_has_allowed_host_and_scheme(
        note.action_url, allowed_hosts={request.get_host()}
    ):
        return redirect(note.action_url)
    return redirect("notify:inbox")


@login_required
@require_POST
def read_all(request):
    try:
        marked = services.notifications_mark_all_read(actor=request.user)
        messages.success(request, _("已将 %(n)d 条提醒标为已读") % {"n": marked})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("notify:inbox")


class PreferenceForm(forms.Form):
    sms_enabled = forms.BooleanField(label=gettext_lazy("接收短信"), required=False)
    email_enabled = forms.BooleanField(label=gettext_lazy("接收电子邮件"), required=False)
    quiet_enabled = forms.BooleanField(label=gettext_lazy("启用免打扰时段"), required=False)
    quiet_start = forms.TimeField(
        label=gettext_lazy("免打扰开始"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("免打扰结束"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


@login_required
def preferences(request):
    if not request.user.person_id:
        return render(request, "notify/preferences.html", {"linked": False})
    pref = services.preference_get(actor=request.user)
    form = PreferenceForm(
        request.POST or None,
        initial={
            "sms_enabled": pref.sms_enabled,
            "email_enabled": pref.email_enabled,
            "quiet_enabled": pref.quiet_enabled,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            for field, errors in (exc.errors or {None: [exc.message]}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("提醒设置已保存"))
            return redirect("notify:preferences")
    quiet = default_quiet()
    return render(
        request,
        "notify/preferences.html",
        {
            "linked": True,
            "form": form,
            "default_quiet": f"{quiet[0]:%H:%M}–{quiet[1]:%H:%M}" if quiet else "",
        },
    )


def _manager(request) -> None:
    if not request.user.can(roles.NOTIFY_CAMPAIGN_MANAGE):
        raise DjangoPermissionDenied(_("无权管理推送活动"))


@login_required
def campaigns(request):
    _manager(request)
    rows = list(selectors.campaigns_visible(request.user)[:200])
    return render(request, "notify/campaigns.html", {"campaigns": rows})


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("活动名称"), max_length=128)
    template = forms.ModelChoiceField(
        label=gettext_lazy("消息模板"), queryset=Template.objects.order_by("code"), to_field_name="code"
    )
    context = forms.CharField(
        label=gettext_lazy("占位符内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "year=2026\nage=80"}),
        help_text=gettext_lazy("每行一个，如 year=2026；{name} 由自然人库自动填入"),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("发送渠道"),
        choices=[c for c in Channel.choices if c[0] != Channel.INBOX],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("站内提醒总会发送；不选则按模板的渠道"),
    )
    division = forms.ModelChoiceField(
        label=gettext_lazy("居住区划"),
        queryset=Division.objects.filter(
            level__in=[Division.Level.DISTRICT, Division.Level.STREET, Division.Level.VILLAGE]
        )
        .order_by("code")
        .defer("geometry"),
        to_field_name="code",
        required=False,
    )
    min_age = forms.IntegerField(label=gettext_lazy("最低年龄"), min_value=0, max_value=130, required=False)
    max_age = forms.IntegerField(label=gettext_lazy("最高年龄"), min_value=0, max_value=130, required=False)
    id_numbers = forms.CharField(
        label=gettext_lazy("或：身份证号码"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个；填写后忽略区划和年龄"),
    )
    action_url = forms.CharField(label=gettext_lazy("操作链接"), max_length=500, required=False)
    action_label = forms.CharField(label=gettext_lazy("操作按钮"), max_length=32, required=False)
    confirm = forms.BooleanField(label=gettext_lazy("我已核对收件人，确认创建"), required=False)

    def clean_context(self) -> dict:
        values = {}
        for number, line in enumerate((self.cleaned_data.get("context") or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(_("第%(n)d行应写成 名称=内容") % {"n": number})
            values[key.strip()] = value.strip()
        return values


@login_required
def campaign_new(request):
    _manager(request)
    form = CampaignForm(request.POST or None)
    needs_confirm = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person_ids, missing = selectors.recipients_select(
                user=request.user,
                division_code=data["division"].code if data["division"] else "",
                min_age=data["min_age"],
                max_age=data["max_age"],
                id_numbers=(data["id_numbers"] or "").split(),
            )
            if missing:
                messages.warning(request, _("%(n)d 个身份证号码不在自然人库中，已忽略") % {"n": len(missing)})
            campaign = services.campaign_create(
                name=data["name"],
                template_code=data["template"].code,
                person_ids=person_ids,
                context=data["context"],
                channels=[Channel.INBOX, *data["channels"]] if data["channels"] else None,
                action_url=data["action_url"],
                action_label=data["action_label"],
                actor=request.user,
                confirm=data["confirm"],
            )
        except ConfirmationRequired as exc:
            needs_confirm = exc.message
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        except DomainError as exc:
            for field, errors in (exc.errors or {None: [exc.message]}).items():
                for error in errors:
                    target = {"division_code": "division", "template_code": "template"}.get(field, field)
                    form.add_error(target if target in form.fields else None, error)
        else:
            messages.success(request, _("推送活动已创建，核对后即可开始发送"))
            return redirect("notify:campaign", pk=campaign.pk)
    placeholders = {t.code: ", ".join(t.placeholders) for t in Template.objects.order_by("code")}
    return render(
        request,
        "notify/campaign_new.html",
        {"form": form, "needs_confirm": needs_confirm, "placeholders": placeholders},
    )


def _campaign(request, pk: int):
    _manager(request)
    try:
        return selectors.campaign_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _stats_context(campaign) -> dict:
    stats = selectors.campaign_stats(campaign)
    rows = [
        {
            "channel": label,
            "cells": [stats["deliveries"].get(code, {}).get(s, 0) for s in workflow.State.values],
        }
        for code, label in Channel.choices
    ]
    return {
        "campaign": campaign,
        "channel_labels": [str(dict(Channel.choices).get(c, c)) for c in campaign.channels],
        "stats": stats,
        "states": [workflow.state_label(s) for s in workflow.State.values],
        "rows": rows,
        "outcomes": [(label, stats["outcomes"].get(code, 0)) for code, label in Outcome.choices],
        "running": campaign.state == workflow.CampaignState.RUNNING or stats["queued"] > 0,
    }


@login_required
def campaign_detail(request, pk: int):
    campaign = _campaign(request, pk)
    return render(request, "notify/campaign_detail.html", _stats_context(campaign))


@login_required
def campaign_progress(request, pk: int):
    """The progress block alone (htmx polls it while the campaign runs)."""
    campaign = _campaign(request, pk)
    return render(request, "notify/_campaign_progress.html", _stats_context(campaign))


@login_required
@require_POST
def campaign_start(request, pk: int):
    campaign = _campaign(request, pk)
    try:
        services.campaign_start(campaign=campaign, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已开始发送"))
    return redirect("notify:campaign", pk=pk)
