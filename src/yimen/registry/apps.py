from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "yimen.registry"
    label = "registry"
    verbose_name = _("自然人库与法人库")
