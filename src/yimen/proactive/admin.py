"""Admin: tag definitions are edited here, the rule as YAML; every save goes through
`services.tag_save`, so a rule that does not parse or names an unknown field, operator, item or tag is
refused with its path, and the change is audited and recomputed."""

import yaml
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import ValidationFailed
from yimen.proactive import services
from yimen.proactive.models import LifeEventTrigger, Offer, SavedSegment, SegmentExport, TagDefinition
from yimen.proactive.tags.definitions import TagSpec, db_lookup, spec_check
from yimen.proactive.triggers.definitions import TriggerSpec
from yimen.proactive.triggers.definitions import spec_check as trigger_spec_check


class TagDefinitionForm(forms.ModelForm):
    rule_yaml = forms.CharField(
        label=_("规则(YAML)"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80, "style": "font-family:monospace"}),
    )

    class Meta:
        model = TagDefinition
        fields = ["code", "name", "kind", "description", "alive_only", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["rule_yaml"].initial = yaml.safe_dump(
                self.instance.rule, allow_unicode=True, sort_keys=False
            )
            self.fields["code"].disabled = True

    def clean(self):
        data = super().clean()
        try:
            rule = yaml.safe_load(data.get("rule_yaml") or "")
        except yaml.YAMLError as exc:
            raise forms.ValidationError({"rule_yaml": _("YAML 无法解析：%(e)s") % {"e": exc}}) from None
        self.spec = TagSpec(
            code=data.get("code") or self.instance.code,
            name=data.get("name", ""),
            kind=data.get("kind", "person"),
            rule=rule,
            description=data.get("description", ""),
            alive_only=data.get("alive_only", True),
            enabled=data.get("enabled", True),
        )
        try:
            spec_check(self.spec, lookup=db_lookup())
        except ValidationFailed as exc:
            field = exc.field if exc.field in self.fields else "rule_yaml"
            raise forms.ValidationError({field: exc.message}) from None
        return data


@admin.register(TagDefinition)
class TagDefinitionAdmin(admin.ModelAdmin):
    form = TagDefinitionForm
    list_display = ["code", "name", "kind", "enabled", "member_count", "computed_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["code", "name"]
    readonly_fields = ["member_count", "computed_at", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        # The service writes the row (checks, audit, recompute); the admin's own save is skipped.
        saved = services.tag_save(spec=form.spec, actor=request.user, tag=obj if change else None)
        obj.pk = saved.pk


@admin.register(SavedSegment)
class SavedSegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "last_count", "updated_at"]
    search_fields = ["name", "expression"]


@admin.register(SegmentExport)
class SegmentExportAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "count", "reason", "ledger_index"]
    readonly_fields = ["segment", "expression", "actor", "reason", "count", "at", "ledger_index"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LifeEventTriggerForm(forms.ModelForm):
    params_yaml = forms.CharField(
        label=_("参数(YAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "style": "font-family:monospace"}),
        help_text=_("如 item: 事项实施编码；ages: [60, 70, 80]；days: 30"),
    )
    offer_codes = forms.CharField(
        label=_("推送事项实施编码(每行一个)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 40, "style": "font-family:monospace"}),
    )
    life_stage_code = forms.CharField(label=_("人生阶段代码"), required=False)
    template_code = forms.CharField(label=_("消息模板编码"), initial="life_event_offer")

    class Meta:
        model = LifeEventTrigger
        fields = ["code", "name", "kind", "event_text", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            t = self.instance
            self.fields["params_yaml"].initial = (
                yaml.safe_dump(t.params, allow_unicode=True) if t.params else ""
            )
            self.fields["offer_codes"].initial = "\n".join(
                t.offers.values_list("implementation_code", flat=True)
            )
            self.fields["life_stage_code"].initial = t.life_stage.code if t.life_stage_id else ""
            self.fields["template_code"].initial = t.template.code
            self.fields["code"].disabled = True

    def clean(self):
        data = super().clean()
        try:
            params = yaml.safe_load(data.get("params_yaml") or "") or {}
        except yaml.YAMLError as exc:
            raise forms.ValidationError({"params_yaml": _("YAML 无法解析：%(e)s") % {"e": exc}}) from None
        self.spec = TriggerSpec(
            code=data.get("code") or self.instance.code,
            name=data.get("name", ""),
            kind=data.get("kind", ""),
            params=params,
            offers=[c.strip() for c in (data.get("offer_codes") or "").splitlines() if c.strip()],
            life_stage=(data.get("life_stage_code") or "").strip() or None,
            event_text=data.get("event_text", ""),
            template=(data.get("template_code") or "").strip(),
            enabled=data.get("enabled", True),
        )
        try:
            trigger_spec_check(self.spec)
        except ValidationFailed as exc:
            where = (exc.field or "").split("[")[0]
            field = {
                "params": "params_yaml",
                "offers": "offer_codes",
                "life_stage": "life_stage_code",
                "template": "template_code",
            }.get(where, where if where in self.fields else "params_yaml")
            raise forms.ValidationError({field: exc.message}) from None
        return data


@admin.register(LifeEventTrigger)
class LifeEventTriggerAdmin(admin.ModelAdmin):
    form = LifeEventTriggerForm
    list_display = ["code", "name", "kind", "enabled", "fired_count", "last_fired_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["code", "name"]
    readonly_fields = ["fired_count", "last_fired_at", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        saved = services.trigger_save(spec=form.spec, actor=request.user, trigger=obj if change else None)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass  # trigger_save set the offers


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["created_at", "trigger", "item", "state", "case"]
    list_filter = ["state", "trigger"]
    raw_id_fields = ["person", "item", "case", "about_person", "enterprise"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
