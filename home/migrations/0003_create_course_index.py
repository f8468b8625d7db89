"""Once created the course index under the demo's home page; the courses
app now makes one under any site's home page (courses.signals). Kept so
that the history of existing demo sites stays whole."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("home", "0002_create_homepage")]

    operations = []
