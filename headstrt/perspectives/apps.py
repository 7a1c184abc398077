"""Django app config for perspectives."""

from django.apps import AppConfig


class PerspectivesConfig(AppConfig):
    name = "headstrt.perspectives"
    label = "perspectives"
    default_auto_field = "django.db.models.BigAutoField"
