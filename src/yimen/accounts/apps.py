from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yimen.accounts"
    label = "accounts"
    verbose_name = "用户与权限"
