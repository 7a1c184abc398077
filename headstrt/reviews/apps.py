"""Django app config for reviews."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "headstrt.reviews"
    label = "reviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Matching reads ratings, outcomes and reliability through its signal interface.
        from headstrt.matching import signals
        from headstrt.reviews.matching_signals import PROVIDERS

        for provider in PROVIDERS:
            signals.register(provider)
