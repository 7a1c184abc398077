"""Django app config for disputes."""

from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "headstrt.disputes"
    label = "disputes"
    default_auto_field = "django.db.models.BigAutoField"
