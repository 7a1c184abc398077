"""Django app config for matching."""

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "headstrt.matching"
    label = "matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the receiver that counts deleted mentor profiles.
        from headstrt.matching import departures  # noqa: F401
