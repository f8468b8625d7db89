from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from wagtail import hooks
from wagtail.admin.auth import user_has_any_page_permission
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.pages.choose_parent import ChooseParentView
from wagtail.admin.views.pages.listing import IndexView
from wagtail.admin.viewsets.pages import PageListingViewSet

from outbox.listing import counted

from .choosing import ShownParentsMixin
from .models import CoursePage


class PageListingMenuItem(MenuItem):
    """A listing of pages in the menu of those who may act on some page:
    for the others (commissioners, whose dashboard links their figures) it
    would lead to a refusal."""

    def is_shown(self, request):
        return user_has_any_page_permission(request.user)


def listing_crumb(user, url_name, label):
    """A breadcrumb to a listing of pages (``courses:index``,
    ``cohorts:index``): a link only for those its menu item is shown to
    (``PageListingMenuItem``), plain text for the others (a commissioner)."""
    return {
        "url": reverse(url_name) if user_has_any_page_permission(user) else None,
        "label": label,
    }


def page_crumb(user, page):
    """A breadcrumb naming ``page`` (a course, a cohort): a link to its
    editor for those who may edit it, plain text for the others (a
    commissioner). Never an empty URL, which would link to the page it is
    on."""
    can_edit = page.permissions_for_user(user).can_edit()
    return {
        "url": reverse("wagtailadmin_pages:edit", args=[page.pk]) if can_edit else None,
        "label": page.title,
    }


class CourseIndexView(IndexView):
    results_template_name = "courses/admin/course_results.html"
    paginator_class = counted(
        ngettext_lazy("%(count)s course", "%(count)s courses", "count")
    )


class ChooseCourseIndexView(ShownParentsMixin, ChooseParentView):
    """Adding a course: Wagtail asks for its parent page."""


class CourseListingViewSet(PageListingViewSet):
    model = CoursePage
    index_view_class = CourseIndexView
    choose_parent_view_class = ChooseCourseIndexView
    icon = "list-ul"
    menu_label = _("Courses")
    menu_item_class = PageListingMenuItem
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
