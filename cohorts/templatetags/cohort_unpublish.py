"""What unpublishing a cohort (or a course with its cohorts) does to its
people, said on Wagtail's confirmation page before it is done."""

from django import template
from django.db.models import Count, Q
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
            "no longer open its pages or write reflections, and each of them "
            "gets an email cancelling its sessions in their calendar. "
            "Publishing it again sends the invitations again."
        )
    else:
        cohorts = cohorts.descendant_of(page)
        text = _(
            "If you unpublish its cohorts too, everyone in them (participants: "
            "%(participants)s, trainers: %(trainers)s) can no longer open the "
            "cohorts' pages or write reflections, and each of them gets an "
            "email cancelling the sessions in their calendar."
        )
    people = Enrollment.objects.active().filter(cohort__in=cohorts)
    counts = people.aggregate(
        participants=Count("pk", filter=Q(role=Enrollment.Role.PARTICIPANT)),
        trainers=Count("pk", filter=Q(role=Enrollment.Role.TRAINER)),
    )
    if not counts["participants"] and not counts["trainers"]:
        return ""
    return text % counts
