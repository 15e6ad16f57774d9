from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "yimen.notify"
    label = "notify"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_seed_templates, sender=self)


def _seed_templates(sender, using="default", **kwargs) -> None:
    """After migrate: add the shipped message templates (templates.yaml) that do not exist yet; templates
    edited in the admin are never overwritten."""
    from django.db import connections

    from yimen.notify.services import templates_load

    tables = connections[using].introspection.table_names()
    if "notify_template" in tables and "ledger_entry" in tables:
        templates_load(only_missing=True)
