from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.pages import PageListingViewSet

from .models import CoursePage


class CourseListingViewSet(PageListingViewSet):
    model = CoursePage
    icon = "list-ul"
    menu_label = _("Courses")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        """Wagtail's, and those that the apps built on courses add with the
        ``register_course_admin_urls`` hook (a function that takes this
        viewset and returns URL patterns), named in this viewset's namespace
        (e.g. ``courses:overview``)."""
        return [
            *super().get_urlpatterns(),
            *[
                pattern
                for get_urls in hooks.get_hooks("register_course_admin_urls")
                for pattern in get_urls(self)
            ],
        ]
