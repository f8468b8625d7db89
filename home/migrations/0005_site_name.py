"""The admin's dashboard and page titles say the site's name, not its host
name ("localhost"): give the default site the site's name where it has none."""

from django.conf import settings
from django.db import migrations


def name_the_site(apps, schema_editor):
    Site = apps.get_model("wagtailcore.Site")
    Site.objects.filter(site_name="").update(
        site_name=getattr(settings, "WAGTAIL_SITE_NAME", "") or "Virtu"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0004_signinlink"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
