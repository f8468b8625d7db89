"""Once created the sign-in links' table; sign-in is a plugin app of its own
now (signin.0001 takes the table over). Kept so that the history of
existing demo sites stays whole."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("home", "0003_create_course_index")]

    operations = []
