"""What a draft of a live cohort changes, said to whoever saved it: nobody's
calendar or pages until it is published, and who publishes it. Wagtail says
only "Page saved", and the publish button is one menu away; a coordinator
who moved a session must not believe its people were told, nor a trainer,
who may edit their cohort but not publish it, wait for a button they do
not have."""

from django.contrib import messages
from django.utils.translation import gettext as _

from .models import CohortPage


def warn(request, page):
    """Warn, after ``page`` was saved in its editor, where what was saved is
    not what its people see."""
    if not isinstance(page.specific, CohortPage):
        return
    # Read anew: the editor's page holds the workflow states it read before
    # the save (Wagtail prefetches them), not the approval just asked for.
    page = CohortPage.objects.get(pk=page.pk)
    if not page.live:
        return
    can_publish = page.permissions_for_user(request.user).can_publish()
    # Wagtail saves a draft for one who asks to publish without the right.
    if can_publish and "action-publish" in request.POST:
        return  # published, or scheduled to be: Wagtail says so
    if not page.has_unpublished_changes:
        return
    messages.warning(request, waits_for(page, can_publish))


def waits_for(page, can_publish):
    # An approval publishes the page's latest revision: a draft saved while
    # one is under way (by an approver) waits for it too.
    if page.workflow_in_progress:
        if can_publish:
            return _(
                "Participants and trainers still see the published cohort, and "
                "their calendars are not updated, until it is approved and "
                "published, or you publish it."
            )
        return _(
            "Participants and trainers still see the published cohort, and their "
            "calendars are not updated, until it is approved and published."
        )
    if can_publish:
        return _(
            "Saved as a draft: participants and trainers still see the "
            "published cohort, and their calendars are not updated, until "
            "you publish it."
        )
    return _(
        "Saved as a draft: participants and trainers still see the published "
        "cohort, and their calendars are not updated, until a coordinator "
        "publishes it."
    )
