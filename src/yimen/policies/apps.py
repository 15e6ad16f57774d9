from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yimen.policies"
    label = "policies"
    verbose_name = "扶持通 惠企政策 Enterprise support policies"
