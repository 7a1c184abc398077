"""Django app config for the shared kernel."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "headstrt.core"
    label = "core"
