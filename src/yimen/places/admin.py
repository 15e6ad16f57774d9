"""Back-office views of the division tree and departments.

The tree itself (codes, levels, parents, boundaries) comes from the reference files and the grid
generator (`yimen places import`), so here those fields are read-only and divisions cannot be added or
deleted by hand; names and department contact details can be corrected."""

from django.contrib import admin

from yimen.places.models import Department, Division, GridGeneration


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "centroid_lat", "centroid_lng"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "level", "parent", "path", "geometry", "centroid_lat", "centroid_lng"]
    fields = ["code", "name", "level", "parent", "path", "centroid_lat", "centroid_lng", "geometry"]
    list_select_related = ["parent"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "division", "phone"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["division"]
    list_select_related = ["division"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "kind"] if obj else []


@admin.register(GridGeneration)
class GridGenerationAdmin(admin.ModelAdmin):
    list_display = ["scale", "seed", "generator_version", "area_count", "grid_count", "generated_at"]
    readonly_fields = [f.name for f in GridGeneration._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
