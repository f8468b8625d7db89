"""Which pages Wagtail's page chooser names to whom."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.http import Http404
from wagtail.models import Page
from wagtail.permissions import policy_registry

from .models import CoursePage
from .permissions import only_reads_figures


def chooser_pages(pages, request):
    """``pages`` narrowed to those shown to the user. The browse view names
    its parent page and the parent's ancestors whatever it lists, so a
    parent the user may not be shown is not browsed at all."""
    parent_id = request.resolver_match.kwargs.get("parent_page_id")
    if parent_id and not browsable(parent_id, request.user):
        raise Http404
    return pages_shown_in_chooser(pages, request.user)


def browsable(page_id, user):
    """Whether the chooser may be opened at ``page_id`` for ``user``: a
    page it shows them, or the tree's root, which names nobody's page."""
    page = Page.objects.filter(pk=page_id)
    return page.filter(depth=1).exists() or pages_shown_in_chooser(page, user).exists()


def pages_shown_in_chooser(pages, user):
    """Of ``pages``, those Wagtail's page chooser may name to ``user``.

    A commissioner who only reads figures chooses no page. Anyone else is
    shown the courses and cohorts they may explore (those they may edit,
    and the pages above them), and every other page, as Wagtail shows them:
    a trainer links to their own course and cohort and to the site's pages,
    never to another cohort or another organisation's course. Coordinators
    explore every course, so they are shown them all.
    """
    if only_reads_figures(user):
        return pages.none()
    explorable = policy_registry.get_by_type(Page).explorable_instances(user)
    # By id: Wagtail's search filters its queryset by fields only.
    outside = Page.objects.exclude(in_a_course())
    return pages.filter(
        Q(pk__in=outside.values("pk")) | Q(pk__in=explorable.values("pk"))
    )


def in_a_course():
    """A filter for the pages that are a course or inside one (its cohorts)."""
    # A page is in a course when the course's tree path begins its own.
    page_path_start = Substr(OuterRef("path"), 1, Length("path"))
    return Exists(CoursePage.objects.filter(path=page_path_start))


class ShownParentsMixin:
    """For Wagtail's "choose a parent page" step of adding a page (a course
    under a course index, a cohort under a course): a page the chooser does
    not show the user is no choice at all. Wagtail's form would name it in
    its "no permission to create a page under …", for any id posted."""

    def get_form(self):
        form = super().get_form()
        field = form.fields["parent_page"]
        field.queryset = pages_shown_in_chooser(field.queryset, self.request.user)
        return form
