"""Seed the ISO 639-1 languages people may list."""

from babel import Locale
from django.db import migrations


def seed(apps, schema_editor):
    Language = apps.get_model("accounts", "Language")
    names = Locale("en").languages
    Language.objects.bulk_create(
        [Language(code=code, name=name) for code, name in names.items() if len(code) == 2],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
