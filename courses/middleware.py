"""What the page chooser's hook cannot do for ``courses.choosing``."""

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.coreutils import resolve_model_string
from wagtail.models import Page

from .choosing import browsable, pages_shown_in_chooser

TOP = "wagtailadmin_choose_page"
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
    refuse it with an error in the chooser's window. And a chooser of a
    page type (cohorts) opens where the pages of that type the user is
    shown meet, not where all of them do, which may be a hidden course."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = request.resolver_match.url_name
        # The admin sends anyone else to its sign-in page.
        if (
            name not in (TOP, BROWSE, CHOSEN_MULTIPLE)
            or not request.user.is_authenticated
        ):
            return None
        if name == TOP:
            return open_where_shown(request)
        if name == BROWSE:
            if not browsable(view_kwargs["parent_page_id"], request.user):
                query = request.META.get("QUERY_STRING")
                top = reverse(TOP)
                return redirect(f"{top}?{query}" if query else top)
            return None
        if not shown(request.user, request.GET.getlist("id")):
            raise Http404
        return None


def shown(user, ids):
    """Whether the chooser shows ``user`` every page of ``ids`` there is."""
    pages = Page.objects.filter(pk__in=[pk for pk in map(str, ids) if pk.isdigit()])
    return pages_shown_in_chooser(pages, user).count() == pages.count()


def open_where_shown(request):
    """For the chooser's top of a page type: where Wagtail would open it,
    the page all pages of the type are beneath, if the user is shown it;
    else a redirect to where those shown to them are beneath (the root
    when none are)."""
    try:
        types = resolve_model_string_list(request.GET.get("page_type") or "")
    except (ValueError, LookupError):
        return None  # Wagtail's own answer
    if not types or types == (Page,):
        return None
    of_type = Page.objects.type(*types)
    if not of_type.exists() or shown(
        request.user, [of_type.first_common_ancestor().pk]
    ):
        return None
    visible = pages_shown_in_chooser(of_type, request.user)
    there = (
        visible.first_common_ancestor()
        if visible.exists()
        else Page.get_first_root_node()
    )
    query = request.META.get("QUERY_STRING")
    url = reverse(BROWSE, args=[there.pk])
    return redirect(f"{url}?{query}" if query else url)


def resolve_model_string_list(string):
    """The page models of a chooser's ``page_type`` ("app.model,app.model")."""
    if not string:
        return ()
    models = tuple(resolve_model_string(name) for name in string.split(","))
    if not all(issubclass(model, Page) for model in models):
        raise ValueError(string)
    return models
