"""The case's messages live in the dispute's conversation now (copied there by messaging
0003), so their old table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("messaging", "0003_dispute_messages_into_conversations"),
    ]

    operations = [migrations.DeleteModel(name="DisputeMessage")]
