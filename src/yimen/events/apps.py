from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "yimen.events"
    label = "events"
    verbose_name = "一网统管 事件"
