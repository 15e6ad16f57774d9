from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "yimen.common"
    label = "common"
    verbose_name = _("公共")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_seed_calendar, sender=self)


def _seed_calendar(sender, using="default", **kwargs) -> None:
    """After migrate: make sure the holiday table has every year the chinese-calendar package knows."""
    from django.db import connections

    from yimen.common.services import calendar_seed_from_package

    tables = connections[using].introspection.table_names()
    if "common_calendarday" in tables and "ledger_entry" in tables:
        calendar_seed_from_package()
