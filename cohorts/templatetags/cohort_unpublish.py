"""What unpublishing a cohort (or a course with its cohorts) does to its
people, said on Wagtail's confirmation page before it is done."""

from django import template
from django.utils.translation import gettext as _

from ..models import CohortPage, Enrollment

register = template.Library()


@register.simple_tag
def unpublish_warning(page):
    """The warning for unpublishing ``page``, or "" where no live cohort's
    people are affected."""
    cohorts = CohortPage.objects.live()
    if isinstance(page, CohortPage):
        cohorts = cohorts.filter(pk=page.pk)
        text = _(
            "Unpublishing this cohort takes it off the site for everyone in it "
            "(participants: %(participants)s, trainers: %(trainers)s): they can "
            "no longer open its pages or write reflections, and its sessions "
            "still to come are cancelled in their calendars. Publishing it "
            "again invites them again."
        )
    else:
        cohorts = cohorts.descendant_of(page)
        text = _(
            "If you unpublish its cohorts too, everyone in them (participants: "
            "%(participants)s, trainers: %(trainers)s) can no longer open the "
            "cohorts' pages or write reflections, and the sessions still to "
            "come are cancelled in their calendars."
        )
    counts = Enrollment.objects.active().filter(cohort__in=cohorts).people()
    if not counts["participants"] and not counts["trainers"]:
        return ""
    return text % counts
