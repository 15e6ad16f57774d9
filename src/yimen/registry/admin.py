from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.common.masking import mask_id_number, mask_name
from yimen.registry.models import Enterprise, FieldLineage, FullRead, FusionRun, Household, Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Masked in lists; the change form is for administrators fixing data and is itself audited by Django's log."""

    list_display = ["masked_name", "masked_id", "gender", "residence_division", "is_migrant", "status"]
    list_filter = ["status", "is_migrant", "gender"]
    search_fields = ["=id_number"]
    raw_id_fields = ["residence_division", "hukou_division", "household"]
    show_full_result_count = False

    @admin.display(description=_("姓名"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "kind", "industry", "status", "established_date"]
    list_filter = ["kind", "status", "industry"]
    search_fields = ["=uscc", "name"]
    raw_id_fields = ["legal_representative", "division"]
    show_full_result_count = False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["number", "division"]
    search_fields = ["=number"]
    raw_id_fields = ["division"]


@admin.register(FullRead)
class FullReadAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "person", "enterprise", "reason", "ledger_index"]
    readonly_fields = [f.name for f in FullRead._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the fusion loader; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FusionRun)
class FusionRunAdmin(_ReadOnlyAdmin):
    list_display = ["pk", "started_at", "finished_at", "status", "out_dir", "actor", "ledger_index"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in FusionRun._meta.fields]


@admin.register(FieldLineage)
class FieldLineageAdmin(_ReadOnlyAdmin):
    """Ids, not names, for the subject: a lineage list must not show personal data."""

    list_display = ["pk", "person_id", "enterprise_id", "field", "source", "department", "as_of", "loaded_at"]
    # No list filters or search: on ~7 rows per person their SELECT DISTINCT and scans would be slow.
    readonly_fields = [f.name for f in FieldLineage._meta.fields]
    raw_id_fields = ["person", "enterprise", "run"]
    show_full_result_count = False
