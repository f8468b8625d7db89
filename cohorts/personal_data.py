"""What cohorts keep about a person, for the privacy registry
(``register_personal_data``). Erasing an enrolment deletes it, which
cancels the person's sessions in their calendar (``signals.py``)."""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from privacy.registry import PersonalData

from .audit import ATTENDANCE
from .models import (
    Attendance,
    CalendarFeed,
    Enrollment,
    Invitation,
    RetentionReview,
    TrainingLogEntry,
)

UNTIL_ERASED = _("Until the person or their cohort is erased.")


def log_entries_about(person):
    """Site history's entries about the person's enrolments."""
    return TrainingLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Enrollment),
        object_id__in=[
            str(pk)
            for pk in Enrollment.objects.filter(user=person.user_id).values_list(
                "pk", flat=True
            )
        ],
    )


def erase_log_entries(rows, person):
    """The entries stay (who did what, and when) without the person's name;
    attendance entries lose the person's line."""
    enrolments = set(
        Enrollment.objects.filter(user=person.user_id).values_list("pk", flat=True)
    )
    rows.update(label="", object_id="", data={})
    marked = TrainingLogEntry.objects.filter(
        action=ATTENDANCE,
        cohort__in=Enrollment.objects.filter(user=person.user_id).values("cohort"),
    )
    for entry in marked:
        changes = entry.data.get("changes", [])
        kept = [c for c in changes if c.get("enrollment") not in enrolments]
        if len(kept) != len(changes):
            entry.data = {**entry.data, "changes": kept}
            entry.save(update_fields=["data"])


def personal_data():
    return [
        PersonalData(
            TrainingLogEntry,
            find=log_entries_about,
            cohort="cohort",
            erase=erase_log_entries,
            references=("user",),
            purpose=_("Site history: who enrolled, withdrew and marked whom."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Attendance,
            subject="enrollment__user",
            cohort="session__page",
            references=("marked_by",),
            fields=("session__page__title", "session__title", "status", "updated_at"),
            purpose=_("Following who took part in which session."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Enrollment,
            subject="user",
            cohort="cohort",
            references=("withdrawn_by",),
            fields=(
                "cohort__title",
                "role",
                "organisation",
                "created_at",
                "withdrawn_at",
            ),
            purpose=_("The person's place in their cohorts."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Invitation,
            subject="user",
            cohort="entry__cohort",
            email_field="email",
            fields=(
                "entry__cohort__title",
                "email",
                "method",
                "sequence",
                "updated_at",
            ),
            purpose=_("What each calendar was sent about the sessions."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            RetentionReview,
            references=("confirmed_by",),
            purpose=_("Who confirmed that a cohort's content be erased."),
            retention=_("As long as the cohort."),
        ),
        PersonalData(
            CalendarFeed,
            subject="user",
            fields=("created_at", "changed_at"),
            purpose=_("The person's calendar subscription."),
            retention=UNTIL_ERASED,
        ),
    ]
