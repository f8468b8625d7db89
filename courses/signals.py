from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Site

from .models import CourseIndexPage
from .permissions import grant_coordinators
from .workflows import give_coordinators_approval


@receiver(post_save, sender=CourseIndexPage)
def give_coordinators_new_course_index(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        grant_coordinators(instance)
        give_coordinators_approval(instance)


def ensure_course_index(sender, using="default", **kwargs):
    """After ``migrate``: a site without a course index gets one under its
    default site's home page, whatever that page is (the site's own, or the
    demo's), and coordinators hold their permissions on every course index.
    Run after all migrations, so it never depends on how any site builds its
    page tree."""
    from django.conf import settings

    if not CourseIndexPage.objects.using(using).exists():
        site = Site.objects.using(using).filter(is_default_site=True).first()
        if site is None:
            return
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Courses")
        site.root_page.add_child(
            instance=CourseIndexPage(title=title, slug=slugify(title) or "courses")
        )
        return  # post_save has given the coordinators their permissions
    for course_index in CourseIndexPage.objects.using(using):
        grant_coordinators(course_index)
