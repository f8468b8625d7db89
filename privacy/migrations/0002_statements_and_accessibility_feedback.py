"""The privacy notice and the accessibility statement, and the feedback sent
with the statement, which privacy officers and coordinators read and answer."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PERMISSIONS = [
    ("privacy", "accessibilityfeedback", "change_accessibilityfeedback"),
    ("privacy", "accessibilityfeedback", "view_accessibilityfeedback"),
]
GROUPS = ["Coordinators", "Privacy officers"]


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
    for group in apps.get_model("auth.Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth.Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):

    dependencies = [
        ('privacy', '0001_exports_erasures_and_access_log'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessibilityStatementPage',
            fields=[
                ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                ('compliance', models.CharField(choices=[('full', 'The service meets the critical requirements of WCAG 2.1.'), ('partial', 'The service partially meets the critical requirements of WCAG 2.1.'), ('none', 'The service does not meet the critical requirements of WCAG 2.1.')], max_length=20, verbose_name='compliance')),
                ('inaccessible_fi', models.TextField(blank=True, help_text="What is not accessible, and why (not compliant, disproportionate burden, outside the law's scope).", verbose_name='content that is not accessible (fi)')),
                ('inaccessible_sv', models.TextField(blank=True, verbose_name='content that is not accessible (sv)')),
                ('inaccessible_en', models.TextField(blank=True, verbose_name='content that is not accessible (en)')),
                ('assessed_on', models.DateField(verbose_name='assessed on')),
                ('method', models.CharField(choices=[('self', 'a self-assessment by the organisation'), ('third_party', 'an assessment by an outside expert')], max_length=20, verbose_name='assessment method')),
                ('updated_on', models.DateField(verbose_name='statement updated on')),
                ('feedback_email', models.EmailField(max_length=254, verbose_name='feedback address')),
            ],
            options={
                'verbose_name': 'accessibility statement',
            },
            bases=('wagtailcore.page',),
        ),
        migrations.CreateModel(
            name='PrivacyNoticePage',
            fields=[
                ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                ('controller', models.TextField(help_text='Name and contact details of the organisation responsible.', verbose_name='controller')),
                ('protection_officer', models.TextField(help_text='Their contact details.', verbose_name='data protection officer')),
                ('legal_basis', models.CharField(choices=[('public_task', 'Performing a task in the public interest'), ('contract', 'A contract with the person'), ('legitimate_interest', 'Legitimate interest'), ('consent', "The person's consent")], default='public_task', max_length=30, verbose_name='legal basis')),
                ('recipients_fi', models.TextField(blank=True, help_text='Who else receives the data, and whether it leaves the EU/EEA.', verbose_name='recipients and transfers (fi)')),
                ('recipients_sv', models.TextField(blank=True, verbose_name='recipients and transfers (sv)')),
                ('recipients_en', models.TextField(blank=True, verbose_name='recipients and transfers (en)')),
            ],
            options={
                'verbose_name': 'privacy notice',
            },
            bases=('wagtailcore.page',),
        ),
        migrations.CreateModel(
            name='AccessibilityFeedback',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, max_length=255, verbose_name='name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('message', models.TextField(verbose_name='feedback')),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='received')),
                ('answer_by', models.DateField(verbose_name='answer by')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='privacy.accessibilitystatementpage')),
            ],
            options={
                'verbose_name': 'accessibility feedback',
                'verbose_name_plural': 'accessibility feedback',
                'ordering': ['answered_at', 'answer_by', 'pk'],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
