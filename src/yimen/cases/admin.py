"""Cases in the admin are read-only: every change goes through the services (and the ledger)."""

from django.contrib import admin

from yimen.cases.models import Case, Certificate, Rating, StatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "department", "status", "channel", "submitted_at", "due_date"]
    list_filter = ["status", "channel", "department"]
    search_fields = ["number"]
    raw_id_fields = ["applicant_person", "applicant_enterprise", "submitted_by"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["case", "from_status", "to_status", "actor", "at", "ledger_index"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "issuer", "issued_on", "valid_until", "state"]
    search_fields = ["number"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["case", "score", "rated_at"]
