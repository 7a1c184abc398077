"""Django app config for accounts."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "headstrt.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from headstrt.accounts.reference_data import reference_data_ensure

        # A flushed database (tests that commit, `manage.py flush`) gets its reference data back.
        post_migrate.connect(reference_data_ensure, sender=self)
