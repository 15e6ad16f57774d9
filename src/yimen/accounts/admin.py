from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from yimen.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "department", "division", "assurance_level", "is_active"]
    list_filter = ["role", "assurance_level", "is_active", "department"]
    search_fields = ["username", "full_name"]
    raw_id_fields = ["person", "enterprise", "division"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("一门 Yimen"),
            {
                "fields": [
                    "full_name",
                    "role",
                    "assurance_level",
                    "department",
                    "division",
                    "person",
                    "enterprise",
                    "phone",
                ]
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        from yimen.common import audit

        super().save_model(request, obj, form, change)
        audit.record(
            kind="accounts.user.changed" if change else "accounts.user.created",
            subject=obj,
            actor=request.user,
            content={"changed": sorted(form.changed_data), "role": obj.role},
        )
