"""The events admin: routing rules, subcategories, Open311 clients and sensor devices are edited here
through the event services (so every change is checked and audited, and the forms put each problem on
its field before anything is saved); events, their reports and history are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yimen.accounts import roles
from yimen.common.errors import ValidationFailed
from yimen.common.masking import mask_name, mask_phone
from yimen.events import selectors, services
from yimen.events.models import (
    Event,
    HistoryEntry,
    Open311Client,
    OpinionPost,
    Report,
    RoutingRule,
    SensorDevice,
    SensorReading,
    Subcategory,
)
from yimen.places import locator


class CommandOnly:
    """Only the command centre (or a superuser) edits event configuration, as in the pages and API."""

    def _command(self, request) -> bool:
        return request.user.is_active and request.user.can(roles.EVENT_COMMAND)

    def has_module_permission(self, request):
        return self._command(request)

    def has_view_permission(self, request, obj=None):
        return self._command(request)

    def has_add_permission(self, request):
        return self._command(request)

    def has_change_permission(self, request, obj=None):
        return self._command(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(CommandOnly, admin.ModelAdmin):
    list_display = ["position", "category", "subcategory", "division", "department", "active", "note"]
    list_filter = ["active", "department"]
    fields = ["category", "subcategory", "division", "department", "note", "active"]
    autocomplete_fields = ["division"]
    ordering = ["position", "id"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form):
            def clean(self):
                data = super().clean()
                category, sub = data.get("category"), data.get("subcategory")
                if category and sub and sub.category_id != category.pk:
                    self.add_error("subcategory", gettext("小类不属于所选大类 (subcategory not in category)"))
                return data

        return Checked

    def save_model(self, request, obj, form, change):
        codes = {
            "department": obj.department.code,
            "category": obj.category.code if obj.category_id else "",
            "subcategory": obj.subcategory.code if obj.subcategory_id else "",
            "division": obj.division.code if obj.division_id else "",
            "note": obj.note,
        }
        if change:
            saved = services.routing_rule_update(
                actor=request.user, rule_id=obj.pk, active=obj.active, **codes
            )
        else:
            saved = services.routing_rule_create(actor=request.user, **codes)
            if not obj.active:
                saved = services.routing_rule_update(
                    actor=request.user, rule_id=saved.pk, active=False, **codes
                )
        obj.pk, obj.position = saved.pk, saved.position

    def has_delete_permission(self, request, obj=None):
        return self._command(request)

    def delete_model(self, request, obj):
        services.routing_rule_delete(actor=request.user, rule_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for rule in list(queryset):
            services.routing_rule_delete(actor=request.user, rule_id=rule.pk)


class SubcategoryForm(forms.ModelForm):
    class Meta:
        model = Subcategory
        fields = ["name", "department", "respond_hours", "resolve_days", "urgent"]

    def clean(self):
        data = super().clean()
        if data.get("respond_hours") == 0:
            self.add_error("respond_hours", gettext("签收时限至少 1 小时 (at least 1 hour)"))
        if data.get("resolve_days") == 0:
            self.add_error("resolve_days", gettext("办结时限至少 1 个工作日 (at least 1 working day)"))
        return data


@admin.register(Subcategory)
class SubcategoryAdmin(CommandOnly, admin.ModelAdmin):
    form = SubcategoryForm
    list_display = ["code", "name", "category", "department", "respond_hours", "resolve_days", "urgent"]
    list_filter = ["category", "urgent"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "category"]

    def has_add_permission(self, request):
        return False  # the taxonomy (`yimen events taxonomy`) creates subcategories

    def save_model(self, request, obj, form, change):
        services.subcategory_save(subcategory=obj, actor=request.user)


class Open311ClientForm(forms.ModelForm):
    class Meta:
        model = Open311Client
        fields = ["name", "active"]

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(gettext("请填写客户端名称 (name required)"))
        return name


@admin.register(Open311Client)
class Open311ClientAdmin(CommandOnly, admin.ModelAdmin):
    """Adding a client shows its key once; changing one revokes or restores it (its sensors too)."""

    form = Open311ClientForm
    list_display = ["name", "active", "created_at"]
    readonly_fields = ["key_sha256", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["name", *self.readonly_fields] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.open311_client_set_active(client=obj, active=obj.active, actor=request.user)
            return
        client, key = services.open311_client_create(name=obj.name, actor=request.user)
        if not obj.active:
            services.open311_client_set_active(client=client, active=False, actor=request.user)
        obj.pk = client.pk
        messages.warning(
            request,
            gettext("API key（仅显示这一次，请妥善保存）(shown once, keep it safe): %(key)s") % {"key": key},
        )


class SensorDeviceForm(forms.ModelForm):
    class Meta:
        model = SensorDevice
        fields = [
            "code",
            "name",
            "kind",
            "unit",
            "lat",
            "lng",
            "address",
            "subcategory",
            "rule",
            "threshold",
            "owner",
            "active",
        ]

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        if lat is not None and lng is not None:
            try:
                locator.locate(lat, lng)
            except ValidationFailed as exc:
                self.add_error("lat", exc.message)
        return data


@admin.register(SensorDevice)
class SensorDeviceAdmin(CommandOnly, admin.ModelAdmin):
    form = SensorDeviceForm
    list_display = [
        "code",
        "name",
        "kind",
        "grid",
        "subcategory",
        "rule",
        "threshold",
        "unit",
        "owner",
        "active",
    ]
    list_filter = ["kind", "active", "owner"]
    search_fields = ["code", "name", "address"]
    readonly_fields = ["grid", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        services.sensor_device_save(device=obj, actor=request.user)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HistoryInline(ReadOnlyInline):
    model = HistoryEntry
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "department", "note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class ReportInline(ReadOnlyInline):
    """Reporters masked here as everywhere (the full value only through the logged reveal on the page)."""

    model = Report
    fields = ["number", "channel", "created_at", "text", "reporter_masked", "duplicate", "rating"]
    readonly_fields = fields

    @admin.display(description=_("反映人"))
    def reporter_masked(self, obj):
        return " ".join(x for x in (mask_name(obj.reporter_name), mask_phone(obj.reporter_phone)) if x)


class SensorReadingInline(ReadOnlyInline):
    model = SensorReading
    fields = ["device", "value", "at", "received_at", "opened_event"]
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(CommandOnly, admin.ModelAdmin):
    """Read-only: events change only through the workflow (pages, API, services)."""

    list_display = [
        "number",
        "status",
        "channel",
        "subcategory",
        "department",
        "street",
        "escalated_to",
        "created_at",
    ]
    list_filter = ["status", "channel", "urgent", "street"]
    search_fields = ["number", "description", "address"]
    date_hierarchy = "created_at"
    list_select_related = ["subcategory", "department", "street", "escalated_to"]
    inlines = [ReportInline, SensorReadingInline, HistoryInline]

    def get_queryset(self, request):
        # The same scope as the pages: a command centre attached to a street sees that street's events.
        return selectors.events_visible(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OpinionPost)
class OpinionPostAdmin(CommandOnly, admin.ModelAdmin):
    """Imported by `yimen events import-opinion`; read-only here."""

    list_display = ["posted_at", "source", "url", "report", "imported_at"]
    list_filter = ["source"]
    search_fields = ["url"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OpinionPost._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
