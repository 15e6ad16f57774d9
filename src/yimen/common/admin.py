from django.contrib import admin

from yimen.common import services
from yimen.common.models import CalendarDay, CalendarYear


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is audited in the ledger.
        saved = services.calendar_day_set(day=obj.date, kind=obj.kind, name=obj.name, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.calendar_day_delete(day=obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.calendar_day_delete(day=obj.date, actor=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "complete"]

    def save_model(self, request, obj, form, change):
        saved = services.calendar_year_mark_complete(year=obj.year, actor=request.user)
        obj.pk = saved.pk
