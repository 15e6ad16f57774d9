"""Admin: policies are edited here, the rule and the pre-fill as YAML; the form runs the same checks as
`services.policy_save` (a rule that does not parse, an unknown field, tag, department or item, a pre-fill
field the item's form lacks are refused with their path), and every save goes through the service, so
it is audited. Matches are read only: they change through matching and the enterprise's answers."""

import yaml
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import ValidationFailed
from yimen.places.models import Department
from yimen.policies import services
from yimen.policies.definitions import PolicySpec, spec_check
from yimen.policies.models import Policy, PolicyMatch

_MONO = {"style": "font-family:monospace"}


class PolicyForm(forms.ModelForm):
    department_ref = forms.ModelChoiceField(Department.objects.all(), label=_("主管部门"))
    item_code = forms.CharField(label=_("申报事项实施编码"), required=False, max_length=64)
    rule_yaml = forms.CharField(
        label=_("适用条件(YAML)"), widget=forms.Textarea(attrs={"rows": 12, "cols": 80, **_MONO})
    )
    prefill_yaml = forms.CharField(
        label=_("申请表预填(YAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, **_MONO}),
        help_text=_("申请表字段: 数据项，如 enterprise_name: enterprise.name"),
    )

    class Meta:
        model = Policy
        fields = [
            "code",
            "name",
            "summary",
            "benefit",
            "legal_basis",
            "how_to_apply",
            "valid_from",
            "valid_until",
            "enabled",
            "auto_grant",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        policy = self.instance
        if policy.pk:
            self.fields["code"].disabled = True
            self.fields["department_ref"].initial = policy.department_id
            self.fields["item_code"].initial = policy.item.implementation_code if policy.item_id else ""
            self.fields["rule_yaml"].initial = yaml.safe_dump(
                policy.rule, allow_unicode=True, sort_keys=False
            )
            if policy.prefill:
                self.fields["prefill_yaml"].initial = yaml.safe_dump(
                    policy.prefill, allow_unicode=True, sort_keys=False
                )

    def _yaml(self, name: str):
        try:
            return yaml.safe_load(self.cleaned_data.get(name) or "")
        except yaml.YAMLError as exc:
            raise forms.ValidationError({name: _("YAML 无法解析：%(e)s") % {"e": exc}}) from None

    def clean(self):
        data = super().clean()
        department = data.get("department_ref")
        self.spec = PolicySpec(
            code=data.get("code") or self.instance.code,
            name=data.get("name", ""),
            department=department.code if department else "",
            benefit=data.get("benefit", ""),
            rule=self._yaml("rule_yaml"),
            summary=data.get("summary", ""),
            legal_basis=data.get("legal_basis", ""),
            how_to_apply=data.get("how_to_apply", ""),
            item=data.get("item_code") or None,
            prefill=self._yaml("prefill_yaml") or {},
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            enabled=bool(data.get("enabled")),
            auto_grant=bool(data.get("auto_grant")),
        )
        try:
            spec_check(self.spec)
        except ValidationFailed as exc:
            key = (exc.field or next(iter(exc.errors), "")).split(".")[0]
            target = {"rule": "rule_yaml", "prefill": "prefill_yaml", "item": "item_code"}.get(key, key)
            if target == "department":
                target = "department_ref"
            raise forms.ValidationError({target if target in self.fields else None: exc.message}) from None
        return data


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ["code", "name", "department", "auto_grant", "enabled", "valid_until", "matched_at"]
    list_filter = ["enabled", "auto_grant", "department"]
    search_fields = ["code", "name"]
    readonly_fields = ["matched_at", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        # The service writes the row (checks, audit); the admin's own save is skipped.
        saved = services.policy_save(spec=form.spec, actor=request.user, policy=obj if change else None)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """Nothing related to save (the service wrote the row)."""


@admin.register(PolicyMatch)
class PolicyMatchAdmin(admin.ModelAdmin):
    list_display = ["policy", "enterprise", "state", "matched_at", "notified_at", "case"]
    list_filter = ["state", "policy"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    raw_id_fields = ["enterprise", "case"]
    readonly_fields = [
        "policy",
        "enterprise",
        "state",
        "matched_at",
        "state_changed_at",
        "notified_at",
        "case",
        "prefill",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
