"""Cohorts past their retention, listed for coordinators to confirm."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PERMISSIONS = [
    ("cohorts", "retentionreview", "change_retentionreview"),
    ("cohorts", "retentionreview", "view_retentionreview"),
]


def permissions(apps):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    found = []
    for app_label, model, codename in PERMISSIONS:
        content_type, __ = ContentType.objects.get_or_create(
            app_label=app_label, model=model
        )
        action, __, name = codename.partition("_")
        permission, __ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {action} {name}"},
        )
        found.append(permission)
    return found


def grant(apps, schema_editor):
    for group in apps.get_model("auth.Group").objects.filter(name="Coordinators"):
        group.permissions.add(*permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth.Group").objects.filter(name="Coordinators"):
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):

    dependencies = [
        ('cohorts', '0008_withdrawal_and_training_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RetentionReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_since', models.DateTimeField(verbose_name='retention ended')),
                ('listed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='listed')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed')),
                ('erased_at', models.DateTimeField(blank=True, null=True, verbose_name='erased')),
                ('cohort', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='retention_review', to='cohorts.cohortpage', verbose_name='cohort')),
                ('confirmed_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
            ],
            options={
                'verbose_name': 'cohort past its retention',
                'verbose_name_plural': 'cohorts past their retention',
                'ordering': ['due_since', 'pk'],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
