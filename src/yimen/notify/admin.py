"""Notify in the admin. Templates are edited here, saved through `template_save` (so a placeholder problem
is refused at save with the exact message, and every version is audited); everything else is read-only:
notifications, deliveries and campaigns change only through the services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import DomainError
from yimen.notify import services
from yimen.notify.models import (
    Campaign,
    CampaignRecipient,
    Channel,
    Delivery,
    DeliveryAttempt,
    Notification,
    Preference,
    Template,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TemplateForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("发送渠道"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    placeholders = forms.CharField(
        label=_("必需的占位符"),
        required=False,
        help_text=_("用逗号分隔，如 name, item, offers；留空则按正文中出现的占位符"),
    )

    class Meta:
        model = Template
        fields = ["code", "name", "subject", "body", "channels", "placeholders", "transactional"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["placeholders"] = ", ".join(self.instance.placeholders)

    def clean_placeholders(self):
        raw = self.cleaned_data.get("placeholders") or ""
        names = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
        return names or None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.template_check(
                code=data.get("code") or self.instance.code,
                name=data.get("name"),
                subject=data.get("subject") or "",
                body=data.get("body"),
                channels=data.get("channels") or [],
                required_placeholders=data.get("placeholders"),
            )
        except DomainError as exc:
            for field, messages in (exc.errors or {"body": [exc.message]}).items():
                target = {"required_placeholders": "placeholders"}.get(field, field)
                for message in messages:
                    self.add_error(target if target in self.fields else None, message)
        return data


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["code", "name", "transactional", "version", "updated_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["version", "updated_at", "updated_by"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.template_save(
            code=data.get("code") or obj.code,
            name=data["name"],
            subject=data.get("subject") or "",
            body=data["body"],
            channels=data.get("channels") or [],
            required_placeholders=data.get("placeholders"),
            transactional=bool(data.get("transactional")),
            actor=request.user,
        )
        obj.pk, obj.version = saved.pk, saved.version

    def has_delete_permission(self, request, obj=None):
        return False  # notifications and campaigns keep pointing at their template


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "template", "campaign", "transactional", "created_at", "read_at"]
    list_filter = ["template", "transactional"]
    raw_id_fields = ["person", "campaign"]
    exclude = ["body", "person"]  # the text carries the person's name: not listed in the admin


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "at",
        "outcome",
        "provider",
        "provider_ref",
        "recipient",
        "error",
        "retry_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "notification_id", "channel", "state", "attempts", "due_at", "delivered_at"]
    list_filter = ["channel", "state"]
    raw_id_fields = ["notification", "campaign"]
    inlines = [DeliveryAttemptInline]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "template",
        "state",
        "recipient_count",
        "created_by",
        "created_at",
        "completed_at",
    ]
    list_filter = ["state", "template"]


@admin.register(CampaignRecipient)
class CampaignRecipientAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "person_id", "outcome"]
    list_filter = ["outcome"]
    raw_id_fields = ["campaign", "person"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["person_id", "sms_enabled", "email_enabled", "quiet_enabled", "quiet_start", "quiet_end"]
    raw_id_fields = ["person"]
