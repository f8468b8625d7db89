"""Once gave coordinators the outbox; the outbox is an app of its own now,
and its migrations do that (outbox.0002). Kept so that the history of
existing sites stays whole."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0003_calendar_and_outbox")]

    operations = []
