from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yimen.portal"
    label = "portal"
    verbose_name = "门户"
