"""A cohort copied in the page explorer (alone, or with its course) to run
the course again. The copy is a cohort of its own: its sessions get their
own UIDs and none of the original's meeting links (``Session.make_its_own``),
and until participants are enrolled, its sessions dated in the past have not
been held (``CohortPage.has_held``) and may be removed. What the copy
leaves out, and the dates it keeps, are said to the coordinator."""

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import CohortPage, Session


def say_links_were_left_out(request, page, new_page):
    """After a copy (the ``after_copy_page`` hook): say that the sessions of
    the cohorts copied have no meeting links, where the originals had some."""
    if not CohortPage.objects.among([new_page]).exists():
        return  # a course copied without the pages beneath it
    with_links = CohortPage.objects.among([page]).filter(
        Exists(Session.objects.filter(page=OuterRef("pk")).exclude(meeting_url=""))
    )
    count = with_links.count()
    if not count:
        return
    if isinstance(page.specific_deferred, CohortPage):
        message = _(
            "The sessions' meeting links were not copied from “%(title)s”: they "
            "lead to that cohort's meetings. Give the copy links of its own, or "
            "pick a service to create its meetings."
        ) % {"title": page.title}
    else:
        message = ngettext(
            "The sessions' meeting links of %(count)s cohort were not copied: "
            "they lead to the original cohort's meetings. Give the copy links of "
            "its own, or pick a service to create its meetings.",
            "The sessions' meeting links of %(count)s cohorts were not copied: "
            "they lead to the original cohorts' meetings. Give the copies links "
            "of their own, or pick a service to create their meetings.",
            count,
        ) % {"count": count}
    messages.warning(request, message)


def warn_of_past_dates(request, page):
    """On opening a cohort's editor (the ``before_edit_page`` hook): say
    how many of the sessions it shows are dated in the past without having
    been held, as a copy of an earlier cohort's are, and that they stay in
    the record once participants are enrolled."""
    if request.method != "GET" or not isinstance(page, CohortPage):
        return
    cohort = CohortPage.objects.filter(pk=page.pk).first()
    if cohort is None or cohort.has_a_record:
        return
    now = timezone.now()
    # The editor's sessions (``page`` is the latest revision): a draft that
    # gave them new dates has nothing more to be told.
    past = [
        session
        for session in page.sessions.all()
        if session.start
        and session.start <= now
        and not cohort.has_held(session.start, now)
    ]
    if not past:
        return
    messages.warning(
        request,
        ngettext(
            "%(count)s session is dated in the past, and no participant is "
            "enrolled yet. A copy of an earlier cohort keeps its dates: give the "
            "session this cohort's own date, or remove it if it is not needed. "
            "Once participants are enrolled, a session that has started stays "
            "in the cohort's record.",
            "%(count)s sessions are dated in the past, and no participant is "
            "enrolled yet. A copy of an earlier cohort keeps its dates: give the "
            "sessions this cohort's own dates, or remove those it does not "
            "need. Once participants are enrolled, sessions that have started "
            "stay in the cohort's record.",
            len(past),
        )
        % {"count": len(past)},
    )
