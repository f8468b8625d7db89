"""What the page chooser's hook cannot do for ``courses.choosing``."""

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.models import Page

from .choosing import pages_shown_in_chooser

BROWSE = "wagtailadmin_choose_page_child"
CHOSEN_MULTIPLE = "wagtailadmin_choose_page_chosen_multiple"


class PageChooserMiddleware:
    """Wagtail's page chooser confirms the pages chosen in it by their ids
    (``choose-page/chosen-multiple/?id=…``), with each page's title and
    address, without asking the ``construct_page_chooser_queryset`` hook
    that ``courses.choosing`` narrows the chooser with. So anyone in the
    admin could read any page's title, drafts included, by trying ids. A
    page the chooser does not show the user is not confirmed either.

    A chooser opened at a page the user is not shown (a link made by
    someone else) opens at the top instead, where the hook alone would
    refuse it with an error in the chooser's window."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = request.resolver_match.url_name
        # The admin sends anyone else to its sign-in page.
        if name not in (BROWSE, CHOSEN_MULTIPLE) or not request.user.is_authenticated:
            return None
        if name == BROWSE:
            if not shown(request.user, [view_kwargs["parent_page_id"]]):
                query = request.META.get("QUERY_STRING")
                top = reverse("wagtailadmin_choose_page")
                return redirect(f"{top}?{query}" if query else top)
            return None
        if not shown(request.user, request.GET.getlist("id")):
            raise Http404
        return None


def shown(user, ids):
    """Whether the chooser shows ``user`` every page of ``ids`` there is."""
    pages = Page.objects.filter(pk__in=[pk for pk in map(str, ids) if pk.isdigit()])
    return pages_shown_in_chooser(pages, user).count() == pages.count()
