"""Deployment checks (``headstrt check --deploy``) for what Django's own checks cannot know."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHE = "django.core.cache.backends.locmem.LocMemCache"


@register(Tags.caches, deploy=True)
def cache_shared_check(app_configs, **kwargs) -> list[Warning]:
    """Production without Redis keeps its cache in each process."""
    if not settings.PRODUCTION or settings.CACHES["default"]["BACKEND"] != LOCAL_CACHE:
        return []
    return [
        Warning(
            "The cache is kept in each process (REDIS_URL is not set).",
            hint="Log-in throttling and rate limits then count per process: each worker "
            "process and each server lets through its own quota. Set REDIS_URL, e.g. "
            "redis://127.0.0.1:6379/0.",
            id="headstrt.W001",
        )
    ]


@register(deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    """Production's public address must be its https:// one: links in email are built on it."""
    if not settings.PRODUCTION or settings.SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"HEADSTRT_SITE_URL is {settings.SITE_URL!r}, not an https:// address.",
            hint="Links in email (account verification, reminders, unsubscribe) are built "
            "on it: set it to the site's public address, e.g. https://mentors.example.org.",
            id="headstrt.W002",
        )
    ]
