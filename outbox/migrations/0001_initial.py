"""The outbox's table. Until the outbox became an app of its own its model
lived in ``cohorts``: an existing site's table, its rows and its
permissions are taken over (renamed), a new site gets a new table."""

import django.utils.timezone
from django.db import migrations, models

OLD_TABLE = "cohorts_outgoingemail"
OLD_INDEX = "cohorts_out_state_7eda56_idx"


def adopt_or_create(apps, schema_editor):
    model = apps.get_model("outbox", "OutgoingEmail")
    if OLD_TABLE not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(model)
        return
    schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
    (index,) = model._meta.indexes
    old_index = models.Index(fields=index.fields, name=OLD_INDEX)
    schema_editor.rename_index(model, old_index, index)
    # Permissions and log entries follow the content type.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="outbox", model="outgoingemail"):
        ContentType.objects.filter(app_label="cohorts", model="outgoingemail").update(
            app_label="outbox"
        )


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("outbox", "OutgoingEmail"))


class Migration(migrations.Migration):
    initial = True

    dependencies = [("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutgoingEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                max_length=255, unique=True, verbose_name="key"
                            ),
                        ),
                        ("kind", models.CharField(max_length=40, verbose_name="kind")),
                        ("to", models.EmailField(max_length=254, verbose_name="to")),
                        (
                            "subject",
                            models.CharField(max_length=255, verbose_name="subject"),
                        ),
                        ("text", models.TextField(verbose_name="text")),
                        ("html", models.TextField(blank=True, verbose_name="HTML")),
                        ("ics", models.TextField(blank=True)),
                        ("ics_method", models.CharField(blank=True, max_length=20)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=20,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveIntegerField(
                                default=0, verbose_name="attempts"
                            ),
                        ),
                        (
                            "next_attempt_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                verbose_name="next attempt",
                            ),
                        ),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "sent_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="sent"
                            ),
                        ),
                        (
                            "last_error",
                            models.TextField(blank=True, verbose_name="last error"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, verbose_name="created"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "outgoing email",
                        "verbose_name_plural": "outgoing emails",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["state", "next_attempt_at"],
                                name="outbox_due_idx",
                            )
                        ],
                    },
                ),
            ],
        ),
        # With the model in the state, its table is renamed or created.
        migrations.RunPython(adopt_or_create, drop),
    ]
