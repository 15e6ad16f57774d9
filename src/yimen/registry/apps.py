from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "yimen.registry"
    label = "registry"
    verbose_name = "自然人库与法人库"
