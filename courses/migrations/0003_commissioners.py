import courses.models
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_experiment_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="coursepage",
            name="commissioners",
            field=courses.models.CommissionersField(
                blank=True,
                help_text="Members of the Commissioners group who read this course's overview and impact report: figures only, never names, answers or reflections.",
                limit_choices_to={"groups__name": "Commissioners", "is_active": True},
                related_name="commissioned_courses",
                to=settings.AUTH_USER_MODEL,
                verbose_name="commissioned by",
            ),
        ),
    ]
