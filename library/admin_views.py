"""The library in the admin: coordinators keep its patterns and themes."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Pattern, Theme


class PatternViewSet(ModelViewSet):
    model = Pattern
    icon = "doc-full-inverse"
    menu_label = _("Patterns")
    list_display = ["title", "created_at"]
    list_filter = ["themes"]
    search_fields = ["title", "description"]
    panels = Pattern.panels
    inspect_view_enabled = False


class ThemeViewSet(ModelViewSet):
    model = Theme
    icon = "tag"
    menu_label = _("Themes")
    form_fields = ["name"]
    list_display = ["name"]
    search_fields = ["name"]


class LibraryViewSetGroup(ViewSetGroup):
    menu_label = _("Experiment library")
    menu_icon = "folder-open-inverse"
    menu_order = 160
    items = (PatternViewSet("patterns"), ThemeViewSet("themes"))
