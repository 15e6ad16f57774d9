"""Admin: tag definitions are edited here, the rule as YAML; every save goes through
`services.tag_save`, so a rule that does not parse or names an unknown field, operator, item or tag is
refused with its path, and the change is audited and recomputed."""

import yaml
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import ValidationFailed
from yimen.proactive import services
from yimen.proactive.models import SavedSegment, SegmentExport, TagDefinition
from yimen.proactive.tags.definitions import TagSpec, db_lookup, spec_check


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
