"""What deleting pages takes with it from the cohorts among them (their
people's reflections, attendance, answers, and what hangs on them, library
stories too), said on the confirmation, before anything is deleted, where
Wagtail's says only how often a page is referred to."""

from django.contrib import messages
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.views.pages.bulk_actions import delete

from .models import CohortPage, Enrollment


def warn_of_work_lost(request, pages):
    """Warn that deleting ``pages`` (with the pages beneath them) deletes
    the work done in the cohorts among them, with the way to end a cohort
    that keeps it; nothing is said where nobody has worked."""
    if not pages:
        return
    cohorts = CohortPage.objects.filter(
        Q.create(
            [
                CohortPage.objects.descendant_of_q(page, inclusive=True)
                for page in pages
            ],
            connector=Q.OR,
        )
    )
    work = [
        f"{relation.related_model._meta.verbose_name_plural} ({count})"
        for relation in Enrollment._meta.related_objects
        if (
            count := relation.related_model._default_manager.filter(
                **{f"{relation.field.name}__cohort__in": cohorts}
            ).count()
        )
    ]
    if not work:
        return
    if len(pages) == 1 and isinstance(pages[0], CohortPage):
        count = 1
        message = _(
            "Deleting this cohort also deletes what its people did in it: "
            "%(work)s, and what hangs on them, such as comments and library "
            "stories. To end the cohort and keep them, unpublish it instead."
        )
    else:
        count = cohorts.filter(
            pk__in=Enrollment.objects.holding_work().values("cohort")
        ).count()
        message = ngettext(
            "The pages to be deleted include %(count)s cohort whose people "
            "have work in it. Deleting it also deletes that work: %(work)s, "
            "and what hangs on it, such as comments and library stories. To "
            "end a cohort and keep its people's work, unpublish it instead.",
            "The pages to be deleted include %(count)s cohorts whose people "
            "have work in them. Deleting them also deletes that work: "
            "%(work)s, and what hangs on it, such as comments and library "
            "stories. To end a cohort and keep its people's work, unpublish it "
            "instead.",
            count,
        )
    messages.warning(request, message % {"count": count, "work": ", ".join(work)})


class DeleteBulkAction(delete.DeleteBulkAction):
    """Wagtail's "Delete" of the pages chosen in the page explorer, whose
    confirmation also says what the cohorts among them take with them."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warn_of_work_lost(self.request, [item["item"] for item in context["items"]])
        return context
