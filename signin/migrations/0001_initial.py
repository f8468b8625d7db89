"""Sign-in links' table. The model once lived in the demo site's ``home``
app: a site that has that table keeps it and its rows (renamed); any other
site gets a new table."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "home_signinlink"
OLD_INDEX = "home_signin_user_id_416ab6_idx"


def adopt_or_create(apps, schema_editor):
    model = apps.get_model("signin", "SignInLink")
    if OLD_TABLE not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(model)
        return
    schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
    (index,) = model._meta.indexes
    old_index = models.Index(fields=index.fields, name=OLD_INDEX)
    schema_editor.rename_index(model, old_index, index)
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="signin", model="signinlink"):
        ContentType.objects.filter(app_label="home", model="signinlink").update(
            app_label="signin"
        )


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("signin", "SignInLink"))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SignInLink",
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
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                verbose_name="created",
                            ),
                        ),
                        ("expires_at", models.DateTimeField(verbose_name="expires")),
                        (
                            "used_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="used"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sign_in_links",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="person",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "sign-in link",
                        "verbose_name_plural": "sign-in links",
                        "indexes": [
                            models.Index(
                                fields=["user", "created_at"],
                                name="signin_link_user_idx",
                            )
                        ],
                    },
                ),
            ],
        ),
        # With the model in the state, its table is renamed or created.
        migrations.RunPython(adopt_or_create, drop),
    ]
