from django.apps import AppConfig


class ProactiveConfig(AppConfig):
    name = "yimen.proactive"
    label = "proactive"
    verbose_name = "推送办 精准服务 Proactive services"

    def ready(self) -> None:
        from yimen.common.signals import life_event, subjects_changed
        from yimen.proactive import receivers

        subjects_changed.connect(receivers.subjects_changed, dispatch_uid="proactive.tags_refresh")
        life_event.connect(receivers.life_event, dispatch_uid="proactive.triggers_fire")
