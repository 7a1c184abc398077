"""Django app config for payments."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "headstrt.payments"
    label = "payments"
    default_auto_field = "django.db.models.BigAutoField"
