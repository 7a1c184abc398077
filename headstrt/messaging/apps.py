"""Django app config for messaging."""

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "headstrt.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"
