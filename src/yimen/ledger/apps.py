from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "yimen.ledger"
    label = "ledger"
    verbose_name = "防篡改留痕"
