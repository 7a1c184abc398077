"""Seed the ISO 639-1 languages people may list."""

from django.db import migrations

from headstrt.accounts.reference_data import languages_seed


def seed(apps, schema_editor):
    languages_seed(apps.get_model("accounts", "Language"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
