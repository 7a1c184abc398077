"""Seed the expertise taxonomy from headstrt/accounts/data/taxonomy.json."""

from django.db import migrations

from headstrt.accounts.taxonomy import taxonomy_seed


def seed(apps, schema_editor):
    taxonomy_seed(apps.get_model("accounts", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_seed_languages")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
