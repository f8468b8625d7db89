"""A cohort copied in the page explorer (alone, or with its course) to run
the course again. The copy is a cohort of its own: its sessions get their
own UIDs and none of the original's meeting links (``Session.make_its_own``),
and it is marked as copied (``CohortPage.copied_at``): its sessions dated
before then have not been held by it (``CohortPage.has_held``) and may be
removed. What the copy leaves out, and the dates it keeps, are said to the
coordinator."""

import uuid

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import CohortPage, Session


def mark_the_copies(request, page, new_page):
    """After a copy (the ``after_copy_page`` hook): mark each cohort copied
    with the time of the copy, and make its own each session its revisions
    took from the original's draft (saved without an id, it has the UID and
    link of a session the original has no row for yet, which
    ``Session.make_its_own`` cannot tell apart): a new UID, no link, the
    service picked to create the meeting as it was. Otherwise whichever
    cohort saved the session first would keep it, and the original's,
    published later, would lose its link. Rows and revisions are updated
    in place: the copy is not edited, and gets no revision of it."""
    now = timezone.now()
    cohorts = CohortPage.objects.among([new_page])
    cohorts.update(copied_at=now)
    for cohort in cohorts:
        new_uids = {}
        for revision in cohort.revisions.all():
            content = revision.content
            for entry in content.get("sessions", []):
                if entry.get("pk") is None and entry.get("uid"):
                    entry["uid"] = new_uids.setdefault(entry["uid"], str(uuid.uuid4()))
                    entry["meeting_url"] = ""
            type(revision).objects.filter(pk=revision.pk).update(content=content)
        # A copy published as it was made saved those sessions as rows.
        for old, new in new_uids.items():
            Session.objects.filter(page=cohort, uid=old).update(uid=new, meeting_url="")


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
    how many of the sessions it shows are dated before the cohort was
    copied, as they have the original's dates (``CohortPage.has_held``)."""
    if request.method != "GET" or not isinstance(page, CohortPage):
        return
    cohort = CohortPage.objects.filter(pk=page.pk).first()
    if cohort is None or cohort.copied_at is None:
        return
    # The editor's sessions (``page`` is the latest revision): a draft that
    # gave them new dates has nothing more to be told.
    count = sum(
        1
        for session in page.sessions.all()
        if session.start and session.start < cohort.copied_at
    )
    if not count:
        return
    messages.warning(
        request,
        ngettext(
            "%(count)s session is dated before this cohort was copied: give it "
            "this cohort's own date, or remove it if it is not needed.",
            "%(count)s sessions are dated before this cohort was copied: give "
            "them this cohort's own dates, or remove those it does not need.",
            count,
        )
        % {"count": count},
    )
