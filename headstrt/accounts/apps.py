"""Django app config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "headstrt.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
