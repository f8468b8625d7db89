import json
import zoneinfo

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from .fields import ZonedDateTimeFormField
from .providers import configured_providers
from .schedule import schedule_errors, session_plan


class CohortPageForm(WagtailAdminPageForm):
    """Edits a cohort with its session times in the cohort's own zone, and
    checks the schedule as a whole (order, overlap, length)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = self.entered_zone()
        for formset in self.formsets.values():
            for form in formset.forms:
                for field in form.fields.values():
                    if isinstance(field, ZonedDateTimeFormField):
                        field.time_zone = zone
        for formset in self.formsets.values():
            keep_unsaved_rows(formset)
            restore_deleted_rows(formset)
        if "sessions" in self.formsets:
            show_meetings(self.formsets["sessions"])
        course = self.course()
        if not self.instance.pk and course is not None and "start_date" in self.fields:
            # planning.js lays the sessions out in the form as the date changes.
            self.fields["start_date"].widget.attrs["data-session-plan"] = json.dumps(
                session_plan(course)
            )

    #: The field by which the parts that the apps above add to a cohort (its
    #: experiments) name the session they come after, by its number.
    after_session_field = "after_session"

    def is_valid(self):
        """Also refuse to remove a part of the cohort that participants'
        work depends on: a child model says which of its rows those are
        with ``removal_problems(rows)``, (row id, message) pairs (the apps
        above this one add such parts to the cohort); and to remove the
        session that a part numbered after it needs to follow it."""
        valid = super().is_valid()
        # The sessions' numbers are checked once every removal is allowed:
        # with a removal refused, they would be counted without it, and the
        # coordinator told of an experiment the refused one still precedes.
        problems = list(self.removal_problems()) or list(self.session_number_problems())
        for message in dict.fromkeys(message for __, message in problems):
            self.add_error(None, message)
        for form, message in problems:
            if form is not None:
                # Shown again, no longer marked to be deleted, with why.
                form.data = form.data.copy()
                form.data[form.add_prefix(DELETION_FIELD_NAME)] = ""
                form.add_error(None, message)
        return valid and not problems

    def removal_problems(self):
        """(the child form, or None where the form has none, message) for
        each child row the form would remove that may not be removed."""
        if not self.instance.pk:
            return
        for formset in self.formsets.values():
            check = getattr(formset.model, "removal_problems", None)
            if check is None:
                continue
            deleted = {form.instance.pk: form for form in formset.deleted_forms}
            kept = [
                form.instance.pk
                for form in formset.forms
                if form.instance.pk and form.instance.pk not in deleted
            ]
            # Removed with its delete button, or missing from the form (an
            # older revision that did not have it).
            removed = formset.model.objects.filter(
                **{formset.fk.name: self.instance}
            ).exclude(pk__in=kept)
            for pk, message in check(removed):
                yield deleted.get(pk), message

    def session_number_problems(self):
        """(form, message) where removing sessions would leave an experiment
        that a session follows with none after it: it would lose its due
        date (the next session's start). The forms are the removed
        sessions' and the experiment's. As when the cohort is built, an
        experiment after the last session is not refused in itself."""
        sessions = self.formsets.get("sessions")
        if not self.instance.pk or sessions is None:
            return
        before = sessions.model.objects.filter(
            **{sessions.fk.name: self.instance}
        ).count()
        after = sum(
            1
            for form in sessions.forms
            if not sessions._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
        )
        if after >= before:
            return
        for formset in self.formsets.values():
            if formset is sessions or self.after_session_field not in {
                field.name for field in formset.model._meta.fields
            }:
                continue
            for form in formset.forms:
                if formset._should_delete_form(form) or not form.is_valid():
                    continue
                number = form.cleaned_data.get(self.after_session_field)
                if number is None or not after <= number < before:
                    continue
                message = _(
                    "The session cannot be removed: the experiment “%(title)s” "
                    "comes after session %(number)d, and no session would "
                    "follow it any more, so it would have no due date. First "
                    "move the experiment to follow an earlier session, or remove "
                    "it."
                ) % {"title": form.instance, "number": number}
                yield form, message
                for removed in sessions.deleted_forms:
                    yield removed, message

    @property
    def media(self):
        media = super().media
        if not self.instance.pk:
            media += forms.Media(js=["cohorts/planning.js"])
        return media

    def entered_zone(self):
        name = None
        if self.is_bound:
            name = self.data.get(self.add_prefix("time_zone"))
        try:
            return zoneinfo.ZoneInfo(name or self.instance.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return self.instance.zone

    def course(self):
        if self.instance.pk:
            return self.instance.course
        return self.parent_page.specific if self.parent_page else None

    def kept_session_forms(self):
        """The valid session forms that are not marked for deletion."""
        return [
            form
            for form in self.formsets["sessions"].forms
            if form.is_valid() and not form.cleaned_data.get("DELETE")
        ]

    @staticmethod
    def row_order(form):
        order = form.cleaned_data.get("ORDER")
        return (order is None, order or 0)

    def clean(self):
        cleaned_data = super().clean()
        # In the order the rows were put in (moved with the arrows, say),
        # which is the order the page keeps and checks them in.
        forms = sorted(self.kept_session_forms(), key=self.row_order)
        errors = schedule_errors(
            [
                (form.cleaned_data.get("start"), form.cleaned_data.get("end"))
                for form in forms
            ],
            *self.instance.session_bounds(self.course()),
        )
        for index, messages in errors.items():
            for message in messages:
                forms[index].add_error("start", message)
        if errors:
            self.add_error(None, _("Check the session times below."))
        formset = self.formsets["sessions"]
        submitted = [f for f in formset.forms if not formset._should_delete_form(f)]
        if (
            not submitted
            and not cleaned_data.get("start_date")
            and not self.instance.pk
        ):
            self.add_error(
                "start_date",
                _("Pick the date of the first session, or add the sessions yourself."),
            )
        return cleaned_data

    def save(self, commit=True):
        page = super().save(commit=False)
        if not page.pk:
            page.plan_from_course(self.course())
        if commit:
            page.save()
        return page


def keep_unsaved_rows(formset):
    """A revision saved as a session was added holds it without an id (the
    row got one when it was published after). Reverting to that revision
    once the row is gone, its form posts no id, and the formset would make
    a new session with a new UID: people would be sent a second event and
    keep the cancelled one. The form keeps the revision's session, with its
    UID, instead (``CohortPage.with_content_json`` gives it the id of a row
    that still has it)."""
    if not formset.is_bound:
        return
    for form, row in zip(formset.initial_forms, formset.get_queryset(), strict=False):
        if form.instance.pk is None and row.pk is None:
            form.instance = row


def restore_deleted_rows(formset):
    """Reverting to an older revision brings back sessions (and the
    experiments that the apps above add) deleted since; their rows are gone,
    so their forms would fail on the hidden id. They are saved as new rows,
    a session with its old UID, so that calendars that were sent a
    cancellation get the event back."""
    if not formset.is_bound:
        return
    saved = [form for form in formset.initial_forms if form.instance.pk]
    kept = set(
        formset.model.objects.filter(
            pk__in=[form.instance.pk for form in saved]
        ).values_list("pk", flat=True)
    )
    for form in saved:
        if form.instance.pk in kept:
            continue
        form.instance.pk = None
        form.instance._state.adding = True
        pk_name = formset.model._meta.pk.name
        form.fields[pk_name] = forms.IntegerField(
            required=False, widget=forms.HiddenInput
        )
        form.has_changed = lambda: True  # else the cluster drops the new row


def show_meetings(formset):
    """Offer only the configured providers, and show each session's created
    meeting (or why it is missing) under its provider field."""
    configured = configured_providers()
    forms = [form for form in formset.forms if "meeting_provider" in form.fields]
    meetings = formset.model.meetings_of([form.instance for form in forms])
    for form in forms:
        field = form.fields["meeting_provider"]
        current = form.instance.meeting_provider
        # Only the widget's choices shrink: a posted unconfigured provider
        # then gets Session.clean's message instead of "not a valid choice".
        field.widget.choices = [
            (value, label)
            for value, label in field.choices
            if not value or value in configured or value == current
        ]
        meeting = meetings.get(form.instance.uid)
        if not meeting or meeting.provider != current or form.instance.meeting_url:
            continue
        if meeting.join_url:
            field.help_text = format_html(
                '{} <a href="{}" target="_blank" rel="noopener">{}</a>',
                _("Meeting created:"),
                meeting.join_url,
                meeting.join_url,
            )
        elif meeting.last_error:
            field.help_text = format_html(
                "{} {}",
                _("Not created yet (publish again to retry):"),
                meeting.last_error,
            )
