"""Read-only admin views of the ledger: entries and signed checkpoints can be looked at, never edited."""

from django.contrib import admin

from yimen.ledger.models import Checkpoint, Entry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "kind", "subject", "actor", "time"]
    list_filter = ["kind"]
    search_fields = ["=subject"]
    show_full_result_count = False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["size", "created_at"]
    fields = ["size", "body", "signature", "created_at"]
