from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.pages import PageListingViewSet

from .models import CoursePage


class CourseListingViewSet(PageListingViewSet):
    model = CoursePage
    icon = "list-ul"
    menu_label = _("Courses")
    add_to_admin_menu = False
