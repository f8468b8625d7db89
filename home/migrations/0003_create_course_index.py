from django.db import migrations


def create_course_index(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("home.HomePage")
    CourseIndexPage = apps.get_model("courses.CourseIndexPage")

    home = HomePage.objects.filter(depth=2, slug="home").first()
    if home is None or CourseIndexPage.objects.exists():
        return
    content_type, __ = ContentType.objects.get_or_create(
        model="courseindexpage", app_label="courses"
    )
    CourseIndexPage.objects.create(
        title="Valmennukset",
        draft_title="Valmennukset",
        slug="valmennukset",
        content_type=content_type,
        locale=Locale.objects.order_by("pk").first(),
        path=home.path + "0001",
        depth=3,
        numchild=0,
        url_path=home.url_path + "valmennukset/",
        live=True,
    )
    home.numchild += 1
    home.save(update_fields=["numchild"])


def remove_course_index(apps, schema_editor):
    apps.get_model("courses.CourseIndexPage").objects.filter(
        slug="valmennukset", depth=3
    ).delete()


class Migration(migrations.Migration):
    run_before = [("cohorts", "0002_roles")]

    dependencies = [
        ("home", "0002_create_homepage"),
        ("courses", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]

    operations = [migrations.RunPython(create_course_index, remove_course_index)]
