"""Marking who took part in a session: one form for a page of the cohort's
participants (``PER_PAGE``), so that a cohort of thousands is marked page by
page."""

from django import forms
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .emails import local_moment
from .models import Attendance, Enrollment


def present_and_marked(by, now=None, **where):
    """(``by``, present, marked) of the attendance ``where`` says, of the
    participants still in their cohort, at the sessions held by ``now``
    (``Attendance.objects.counted``), for each value of ``by`` (a session,
    a cohort): one query."""
    return (
        Attendance.objects.counted(now)
        .filter(
            enrollment__role=Enrollment.Role.PARTICIPANT,
            enrollment__withdrawn_at__isnull=True,
            **where,
        )
        .values(by)
        .annotate(
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
            marked=Count("pk"),
        )
        .values_list(by, "present", "marked")
        .order_by()
    )


def not_marked(participants, marked):
    """Marks not made yet of a session's ``participants``, ``marked`` of
    whom are: a trainer may mark a session in parts, and those not marked
    are not absent."""
    return max(participants - marked, 0)


def not_yet(cohort, session, now=None):
    """Why the attendance of ``cohort``'s ``session`` cannot be marked yet,
    in words, or "" where it can: once the session has been held
    (``CohortPage.has_held``), whoever marks it."""
    now = now or timezone.now()
    if cohort.has_held(session.start, now):
        return ""
    if session.start <= now:
        return gettext(
            "This session is dated before the cohort was copied: it has the "
            "original cohort's date, and this cohort has not held it. Its "
            "attendance can be marked once it has this cohort's own date and "
            "has started."
        )
    return gettext(
        "Attendance can be marked once the session has started, from %(start)s."
    ) % {"start": local_moment(session.start, cohort.zone)}


#: Participants in one attendance form.
PER_PAGE = 100

NOT_MARKED = ""
CHOICES = [(NOT_MARKED, _("Not marked")), *Attendance.Status.choices]


class AttendanceForm(forms.Form):
    """A choice per participant. Each field also carries the value the
    trainer saw, so that saving changes only what they changed: two
    trainers marking the same session do not undo each other's marks."""

    def __init__(self, session, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.people = list(people)
        self.marked = dict(
            Attendance.objects.filter(
                session=session, enrollment__in=[person.pk for person in self.people]
            ).values_list("enrollment_id", "status")
        )
        for person in self.people:
            self.fields[self.field_name(person)] = forms.ChoiceField(
                label=person.name,
                choices=CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=self.marked.get(person.pk, NOT_MARKED),
                show_hidden_initial=True,
            )

    @staticmethod
    def field_name(person):
        return f"person-{person.pk}"

    def rows(self):
        """(participant, bound field) in the order given."""
        for person in self.people:
            yield person, self[self.field_name(person)]

    @transaction.atomic
    def save(self, user):
        """Store the changed marks in two queries; returns how many changed.

        A mark someone else changed since this trainer's page was loaded is
        kept, not overwritten: those people are in ``kept``."""
        changed = set(self.changed_data)
        marks, cleared = [], []
        #: (participant, status before, status after) of each change.
        self.changes = []
        #: Participants whose mark another trainer changed meanwhile.
        self.kept = []
        for person in self.people:
            name = self.field_name(person)
            if name not in changed:
                continue
            status = self.cleaned_data[name]
            stored = self.marked.get(person.pk, NOT_MARKED)
            if status == stored:
                continue
            if self.data.get(self[name].html_initial_name, NOT_MARKED) != stored:
                # Marked by another trainer since this page was loaded.
                self.kept.append(person)
                continue
            self.changes.append((person, stored, status))
            if status:
                marks.append(
                    Attendance(
                        session=self.session,
                        enrollment=person,
                        status=status,
                        marked_by=user,
                    )
                )
            else:
                cleared.append(person.pk)
        Attendance.objects.bulk_create(
            marks,
            update_conflicts=True,
            unique_fields=["session", "enrollment"],
            update_fields=["status", "marked_by", "updated_at"],
        )
        Attendance.objects.filter(session=self.session, enrollment__in=cleared).delete()
        return len(marks) + len(cleared)


@transaction.atomic
def clear(session):
    """Remove every mark of ``session``, one of a withdrawn participant
    included, as the trainers may while it has not been held (``not_yet``):
    a mark made ahead, or before the session was moved later, counts once
    it is held, and keeps it from being removed. Returns the changes
    (enrolment, status before, "") for the log."""
    marks = Attendance.objects.filter(session=session)
    changes = [
        (mark.enrollment, mark.status, NOT_MARKED)
        for mark in marks.select_related("enrollment__user")
    ]
    marks.delete()
    return changes
