"""What deleting pages takes with it from the cohorts among them (their
people's places and calendar entries, their reflections, attendance,
answers, and what hangs on them, library stories too), said on the
confirmation, before anything is deleted, where Wagtail's says only how
often a page is referred to."""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.views.pages.bulk_actions import delete

from .models import CohortPage, Enrollment


def warn(request, pages):
    """Warn of what deleting ``pages`` (with the pages beneath them) takes
    from the cohorts among them; nothing where there are none."""
    if not pages:
        return
    cohorts = CohortPage.objects.among(pages)
    one_cohort = len(pages) == 1 and isinstance(pages[0], CohortPage)
    warn_of_work_lost(request, cohorts, one_cohort)
    warn_of_places_lost(request, cohorts, one_cohort)


def warn_of_work_lost(request, cohorts, one_cohort):
    """Warn that deleting ``cohorts`` deletes the work done in them, with
    the way to end a cohort that keeps it; nothing is said where nobody has
    worked."""
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
    if one_cohort:
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


def warn_of_places_lost(request, cohorts, one_cohort):
    """Warn that everyone in ``cohorts`` loses their place, and that those
    invited (to the published ones) are sent a cancellation of every
    session still to come (``signals.cohort_deleted``); nothing is said
    where nobody is in them."""
    counts = Enrollment.objects.active().filter(cohort__in=cohorts).people()
    if not counts["participants"] and not counts["trainers"]:
        return
    # A cohort never published (or unpublished) has no invites to cancel.
    invited = cohorts.live().exists()
    if one_cohort and invited:
        message = _(
            "Everyone enrolled in this cohort (participants: %(participants)s, "
            "trainers: %(trainers)s) loses their place in it when it is "
            "deleted, and they are sent a cancellation of each of its sessions "
            "still to come."
        )
    elif one_cohort:
        message = _(
            "Everyone enrolled in this cohort (participants: %(participants)s, "
            "trainers: %(trainers)s) loses their place in it when it is deleted."
        )
    elif invited:
        message = _(
            "The cohorts among the pages to be deleted have people enrolled "
            "(participants: %(participants)s, trainers: %(trainers)s). They "
            "lose their places when the cohorts are deleted, and those in "
            "published cohorts are sent a cancellation of each of their "
            "sessions still to come."
        )
    else:
        message = _(
            "The cohorts among the pages to be deleted have people enrolled "
            "(participants: %(participants)s, trainers: %(trainers)s). They "
            "lose their places when the cohorts are deleted."
        )
    messages.warning(request, message % counts)


class DeleteBulkAction(delete.DeleteBulkAction):
    """Wagtail's "Delete" of the pages chosen in the page explorer, whose
    confirmation also says what the cohorts among them take with them."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warn(self.request, [item["item"] for item in context["items"]])
        return context
