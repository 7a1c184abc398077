"""Django app config for scheduling."""

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "headstrt.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"
