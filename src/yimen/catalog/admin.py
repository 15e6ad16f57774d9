"""Catalog admin. Drafts are edited in the admin's forms; every state change (create a draft from a
version, publish, retire, discard) goes through `yimen.catalog.services`, so publishing is checked
(`schema.clean_item`) and audited. Published and retired versions are read-only and cannot be deleted."""

from django.contrib import admin, messages
from django.db.models import Max
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from yimen.catalog import services
from yimen.catalog.models import ItemVersion, LifeStage, Material, ServiceItem, Theme, ThemeItem
from yimen.catalog.models.item import VersionStatus
from yimen.common.errors import DomainError


def _run(modeladmin, request, objects, action, done) -> None:
    ok = 0
    for obj in objects:
        try:
            action(obj)
            ok += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, done % {"n": ok}, messages.SUCCESS)


@admin.register(LifeStage)
class LifeStageAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name", "name_en"]
    list_display_links = ["code"]
    ordering = ["order"]


class ItemVersionInline(admin.TabularInline):
    model = ItemVersion
    fields = ["link", "number", "status", "name", "department", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]
    show_change_link = False

    @admin.display(description=_("版本"))
    def link(self, obj):
        return format_html(
            '<a href="{}">v{}</a>', reverse("admin:catalog_itemversion_change", args=[obj.pk]), obj.number
        )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["implementation_code", "current_name", "current_department", "basic_code"]
    search_fields = ["implementation_code", "basic_code", "versions__name"]
    readonly_fields = ["current_version", "created_at"]
    inlines = [ItemVersionInline]
    actions = ["create_draft", "retire"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("current_version__department")

    @admin.display(description=_("事项名称"))
    def current_name(self, obj):
        return obj.current_version.name if obj.current_version_id else "—"

    @admin.display(description=_("实施主体"))
    def current_department(self, obj):
        return obj.current_version.department if obj.current_version_id else "—"

    @admin.action(description=_("基于当前发布版本新建草稿"))
    def create_draft(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda item: services.item_version_create_draft(item=item, actor=request.user),
            ngettext_lazy("已新建 %(n)d 个草稿。", "已新建 %(n)d 个草稿。", "n"),
        )

    @admin.action(description=_("停用（取消事项）"))
    def retire(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda item: services.item_retire(item=item, actor=request.user),
            ngettext_lazy("已停用 %(n)d 个事项。", "已停用 %(n)d 个事项。", "n"),
        )


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["order", "key", "name", "required", "format", "copies", "source", "source_ref", "notes"]

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "item",
        "number",
        "status",
        "kind",
        "department",
        "promised_limit_days",
        "online_depth",
    ]
    list_filter = ["status", "kind", "online_depth", "life_stages", "department"]
    search_fields = ["name", "item__implementation_code", "keywords"]
    autocomplete_fields = ["item", "related_items"]
    filter_horizontal = ["life_stages"]
    inlines = [MaterialInline]
    actions = ["publish", "create_draft"]
    readonly_fields = [
        "number",
        "status",
        "published_at",
        "published_by",
        "retired_at",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "department")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return [f.name for f in self.model._meta.fields if f.name != "id"] + [
                "life_stages",
                "related_items",
            ]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # drafts are deleted one by one; published ones never
        return actions

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status = VersionStatus.DRAFT
            obj.number = (obj.item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.item_version_discard(version=obj, actor=request.user)

    @admin.action(description=_("发布所选草稿"))
    def publish(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda v: services.item_version_publish(version=v, actor=request.user),
            ngettext_lazy("已发布 %(n)d 个版本。", "已发布 %(n)d 个版本。", "n"),
        )

    @admin.action(description=_("以所选版本为底稿新建草稿"))
    def create_draft(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda v: services.item_version_create_draft(item=v.item, from_version=v, actor=request.user),
            ngettext_lazy("已新建 %(n)d 个草稿。", "已新建 %(n)d 个草稿。", "n"),
        )


class ThemeItemInline(admin.TabularInline):
    model = ThemeItem
    extra = 0
    autocomplete_fields = ["item"]
    fields = ["order", "item"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "life_stage", "promised_days", "published"]
    list_filter = ["published", "life_stage"]
    search_fields = ["code", "name"]
    inlines = [ThemeItemInline]
