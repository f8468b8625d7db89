"""The one page chooser view no hook narrows."""

from django.http import Http404
from wagtail.models import Page

from .choosing import pages_shown_in_chooser

CHOSEN_MULTIPLE = "wagtailadmin_choose_page_chosen_multiple"


class PageChooserMiddleware:
    """Wagtail's page chooser confirms the pages chosen in it by their ids
    (``choose-page/chosen-multiple/?id=…``), with each page's title and
    address, without asking the ``construct_page_chooser_queryset`` hook
    that ``courses.choosing`` narrows the chooser with. So anyone in the
    admin could read any page's title, drafts included, by trying ids. A
    page the chooser does not show the user is not confirmed either."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.url_name != CHOSEN_MULTIPLE:
            return None
        ids = [pk for pk in request.GET.getlist("id") if pk.isdigit()]
        pages = Page.objects.filter(pk__in=ids)
        if pages_shown_in_chooser(pages, request.user).count() != pages.count():
            raise Http404
        return None
