"""Exports, erasure requests and the access log; the Privacy officers group,
and the permissions on them of privacy officers and coordinators."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OFFICER_PERMISSIONS = [
    ("privacy", "dataexport", "add_dataexport"),
    ("privacy", "dataexport", "view_dataexport"),
    ("privacy", "dataexport", "delete_dataexport"),
    ("privacy", "erasurerequest", "add_erasurerequest"),
    ("privacy", "erasurerequest", "change_erasurerequest"),
    ("privacy", "erasurerequest", "view_erasurerequest"),
    ("privacy", "accesslogentry", "view_accesslogentry"),
]
GROUP_PERMISSIONS = {
    "Privacy officers": [("wagtailadmin", "admin", "access_admin"), *OFFICER_PERMISSIONS],
    "Coordinators": OFFICER_PERMISSIONS,
}


def permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, __ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    action, __, name = codename.partition("_")
    perm, __ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": f"Can {action} {name}"},
    )
    return perm


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, __ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(permission(apps, *codename) for codename in codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for name, codenames in GROUP_PERMISSIONS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *(permission(apps, *codename) for codename in codenames)
            )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # These give choose permissions to every group with admin access that
        # exists when they run; ours come after them and hold only their own.
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('timestamp', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time')),
                ('actor_name', models.CharField(blank=True, max_length=255, verbose_name='who')),
                ('subject_name', models.CharField(blank=True, max_length=255, verbose_name='whose data')),
                ('action', models.CharField(choices=[('view_reflection', "Read another person's reflection"), ('export_listing', 'Exported a listing'), ('view_person', "Opened a person's data"), ('export_data', "Exported a person's data"), ('download_data', "Downloaded a person's data"), ('request_erasure', 'Asked for an erasure'), ('approve_erasure', 'Approved an erasure'), ('withdraw_erasure', 'Withdrew an erasure'), ('erase', "Erased a person's data")], max_length=40, verbose_name='action')),
                ('target', models.CharField(blank=True, max_length=255, verbose_name='what')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
                ('subject', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='whose data')),
            ],
            options={
                'verbose_name': 'access log entry',
                'verbose_name_plural': 'access log',
                'ordering': ['-timestamp', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='DataExport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested')),
                ('ready_at', models.DateTimeField(blank=True, null=True, verbose_name='ready')),
                ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                ('archive', models.BinaryField(blank=True, null=True)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'verbose_name': 'data export',
                'verbose_name_plural': 'data exports',
                'ordering': ['-requested_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ErasureRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subject_user_id', models.PositiveBigIntegerField(editable=False)),
                ('subject_email', models.EmailField(blank=True, editable=False, max_length=254)),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('state', models.CharField(choices=[('requested', 'Waiting for approval'), ('approved', 'Approved'), ('running', 'Being erased'), ('waiting', 'Waiting for emails to go out'), ('done', 'Erased'), ('withdrawn', 'Withdrawn')], default='requested', max_length=20, verbose_name='state')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested')),
                ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved')),
                ('run_after', models.DateTimeField(blank=True, null=True, verbose_name='erased after')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('attempts', models.PositiveIntegerField(default=0, editable=False)),
                ('last_error', models.TextField(blank=True, editable=False)),
                ('approved_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('requested_by', models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('subject', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'verbose_name': 'erasure request',
                'verbose_name_plural': 'erasure requests',
                'ordering': ['-requested_at', '-pk'],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
