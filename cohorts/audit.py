"""The audit trail of training: who enrolled, withdrew, moved, imported, marked
attendance and exported what, and when, in Wagtail's own log (Site
history). Entries about a cohort's people are ``TrainingLogEntry`` rows
tagged with the cohort, so each person reads those of the cohorts they
manage alone. Entries hold names and counts, never what anyone wrote.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.log_actions import LogFormatter, get_active_log_context, log

from privacy import access

from .models import Attendance, CohortPage, Enrollment, Session, TrainingLogEntry

WITHDRAW = "virtu.withdraw"
RESTORE = "virtu.restore"
MOVE = "virtu.move"
IMPORT = "virtu.import"
ATTENDANCE = "virtu.attendance"
EXPORT = "virtu.export"

#: The models whose log entries carry their cohort.
LOGGED_MODELS = [Enrollment, Attendance, Session]


class ImportFormatter(LogFormatter):
    label = _("Import enrolments")

    def format_message(self, log_entry):
        data = log_entry.data
        counts = {
            "rows": data.get("rows", 0),
            "added": data.get("added", 0),
            "restored": data.get("restored", 0),
            "updated": data.get("updated", 0),
            "unchanged": data.get("unchanged", 0),
        }
        if counts["restored"]:
            return (
                _(
                    "Imported a file of %(rows)s people: %(added)s added, "
                    "%(restored)s enrolled again, %(updated)s updated, "
                    "%(unchanged)s unchanged"
                )
                % counts
            )
        return (
            _(
                "Imported a file of %(rows)s people: %(added)s added, "
                "%(updated)s updated, %(unchanged)s unchanged"
            )
            % counts
        )

    def format_comment(self, log_entry):
        return log_entry.data.get("file", "")


class MoveFormatter(LogFormatter):
    label = _("Move to another cohort")

    def format_message(self, log_entry):
        return _("Moved from %(from)s to %(to)s") % {
            "from": log_entry.data.get("from", ""),
            "to": log_entry.data.get("to", ""),
        }


class AttendanceFormatter(LogFormatter):
    label = _("Mark attendance")

    def format_message(self, log_entry):
        count = len(log_entry.data.get("changes", []))
        return ngettext(
            "Marked attendance: %(count)s change",
            "Marked attendance: %(count)s changes",
            count,
        ) % {"count": count}

    def format_comment(self, log_entry):
        labels = {"": _("Not marked"), **dict(Attendance.Status.choices)}
        return "; ".join(
            f"{change['person']}: {labels.get(change['from'], change['from'])} → "
            f"{labels.get(change['to'], change['to'])}"
            for change in log_entry.data.get("changes", [])
        )


class ExportFormatter(LogFormatter):
    label = _("Export")

    def format_message(self, log_entry):
        data = log_entry.data
        return ngettext(
            "Exported %(what)s as %(format)s: %(rows)s row",
            "Exported %(what)s as %(format)s: %(rows)s rows",
            data.get("rows", 0),
        ) % {
            "what": log_entry.label,
            "format": data.get("format", "").upper(),
            "rows": data.get("rows", 0),
        }

    def format_comment(self, log_entry):
        return ", ".join(
            f"{key}={value}" for key, value in log_entry.data.get("filters", {}).items()
        )


class LogModels(set):
    """The registry's set of log models, with the training log first when
    iterated: Site history unions them in that order, and only this one's
    union keeps no ordering that SQLite would refuse (``TrainingLogEntry``)."""

    def __iter__(self):
        models = list(super().__iter__())
        models.sort(key=lambda model: model is not TrainingLogEntry)
        return iter(models)


def register_actions(actions):
    """For the ``register_log_actions`` hook."""
    actions.log_entry_models = LogModels(actions.log_entry_models)
    for model in LOGGED_MODELS:
        actions.register_model(model, TrainingLogEntry)
    actions.register_action(
        WITHDRAW, _("Withdraw from a cohort"), _("Withdrawn from the cohort")
    )
    actions.register_action(
        RESTORE, _("Enrol again"), _("Enrolled again; their earlier work restored")
    )
    actions.register_action(MOVE)(MoveFormatter)
    actions.register_action(IMPORT)(ImportFormatter)
    actions.register_action(ATTENDANCE)(AttendanceFormatter)
    actions.register_action(EXPORT)(ExportFormatter)


def log_restored(enrollments):
    """A RESTORE entry for each of ``enrollments`` (people an import enrolled
    again), as ``wagtail.log_actions.log`` writes one, in one query."""
    if not enrollments:
        return
    context = get_active_log_context()
    content_type = ContentType.objects.get_for_model(
        Enrollment, for_concrete_model=False
    )
    now = timezone.now()
    TrainingLogEntry.objects.bulk_create(
        TrainingLogEntry(
            content_type=content_type,
            label=TrainingLogEntry.objects.get_instance_title(enrollment),
            action=RESTORE,
            timestamp=now,
            data={},
            object_id=str(enrollment.pk),
            cohort_id=enrollment.log_cohort_id,
            user=context.user,
            uuid=context.uuid,
        )
        for enrollment in enrollments
    )


def log_move(enrollment, from_cohort_id):
    """A MOVE entry of ``enrollment`` from the cohort ``from_cohort_id`` to
    the one it is in now, in the history of each: the people of each cohort
    read their own's."""
    titles = dict(
        CohortPage.objects.filter(
            pk__in=[from_cohort_id, enrollment.cohort_id]
        ).values_list("pk", "title")
    )
    data = {
        "from": titles.get(from_cohort_id, ""),
        "to": titles.get(enrollment.cohort_id, ""),
    }
    for cohort_id in (from_cohort_id, enrollment.cohort_id):
        log(enrollment, MOVE, cohort_id=cohort_id, data=data)


def log_import(cohort, user, file_name, rows, counts, confirmation=""):
    """An import of a file of ``rows`` people into ``cohort``, with what it
    did (``counts``); ``confirmation`` tells a second confirmation of the
    same file (``logged_import``)."""
    return TrainingLogEntry.objects.log_action(
        cohort,
        IMPORT,
        user=user,
        cohort_id=cohort.pk,
        data={
            "file": file_name,
            "rows": rows,
            **counts,
            **({"confirmation": confirmation} if confirmation else {}),
        },
    )


def logged_import(confirmation, **filters):
    """The entry of the import that ``confirmation`` confirmed, among those
    ``filters`` select, or None."""
    return (
        TrainingLogEntry.objects.filter(
            action=IMPORT, data__confirmation=confirmation, **filters
        )
        .order_by("pk")
        .first()
    )


def log_attendance(session, user, changes):
    """``changes``: (enrolment, status before, status after), "" for none."""
    if not changes:
        return None
    return TrainingLogEntry.objects.log_action(
        session,
        ATTENDANCE,
        user=user,
        title=f"{session.title} ({session.page.title})",
        data={
            "changes": [
                {
                    "enrollment": person.pk,
                    "person": person.name,
                    "from": before,
                    "to": after,
                }
                for person, before, after in changes
            ]
        },
    )


def log_export(user, about, label, export_format, rows, filters, cohort_id=None):
    """An export of ``rows`` rows: ``about`` is what the rows are of (a
    cohort, a course), or the user who exported for a listing of several.
    The access log (``privacy``) records it too."""
    access.record(user, access.Action.EXPORT_LISTING, target=label)
    return TrainingLogEntry.objects.log_action(
        about,
        EXPORT,
        user=user,
        title=label,
        cohort_id=cohort_id,
        data={"format": export_format, "rows": rows, "filters": filters},
    )
