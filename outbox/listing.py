"""Listing footers that say their count in good Finnish and Swedish.

Wagtail's paginator joins the count and the model's plural name ("4 ryhmät"),
but after a number other than one Finnish takes the partitive singular
("4 ryhmää"), so each listing of the Training menu says its count with a
plural message of its own."""

from django.utils.functional import cached_property
from wagtail.admin.paginator import WagtailPaginator


def counted(message):
    """A paginator class whose footer is ``message``: an ``ngettext_lazy``
    whose number is its ``count`` placeholder, e.g.
    ``ngettext_lazy("%(count)s cohort", "%(count)s cohorts", "count")``."""

    class CountedPaginator(WagtailPaginator):
        @cached_property
        def items_count_label(self):
            return message % {"count": self.count}

    return CountedPaginator
