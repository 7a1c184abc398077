"""Django app config for running Headstrt in production: server, health, logs, metrics, backups."""

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "headstrt.operations"
    label = "operations"

    def ready(self) -> None:
        from headstrt.operations import checks  # noqa: F401  (registers the deploy checks)
