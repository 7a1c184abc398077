"""Reference data every installation needs: spoken languages and the expertise taxonomy."""

from babel import Locale
from django.apps import apps as global_apps

from headstrt.accounts.taxonomy import taxonomy_seed


def languages_seed(language_model) -> int:
    """Add the ISO 639-1 languages that are missing; returns how many were added."""
    names = Locale("en").languages
    existing = set(language_model.objects.values_list("code", flat=True))
    missing = [
        language_model(code=code, name=name)
        for code, name in names.items()
        if len(code) == 2 and code not in existing
    ]
    language_model.objects.bulk_create(missing)
    return len(missing)


def reference_data_ensure(sender, using="default", apps=global_apps, **kwargs) -> None:
    """After ``migrate`` or ``flush``: put the reference data back if a table is empty."""
    language, topic = apps.get_model("accounts", "Language"), apps.get_model("accounts", "Topic")
    if not language.objects.using(using).exists():
        languages_seed(language)
    if not topic.objects.using(using).exists():
        taxonomy_seed(topic)
