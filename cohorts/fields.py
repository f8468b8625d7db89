from datetime import UTC, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from wagtail.admin.compare import FieldComparison, TextDiff, register_comparison_class
from wagtail.admin.widgets import AdminDateTimeInput


class ZonedDateTimeFormField(forms.DateTimeField):
    """A date and time entered and shown in ``time_zone`` rather than the
    user's active zone; the cohort form sets the zone to the cohort's."""

    time_zone = None

    def prepare_value(self, value):
        if self.time_zone is None:
            return super().prepare_value(value)
        with timezone.override(self.time_zone):
            return super().prepare_value(value)

    def to_python(self, value):
        if self.time_zone is None:
            return super().to_python(value)
        with timezone.override(self.time_zone):
            try:
                return super().to_python(value)
            except ValidationError as error:
                if getattr(error, "code", None) != "ambiguous_timezone":
                    raise
                raise clock_change_error(
                    error.params["datetime"], self.time_zone
                ) from error


def clock_change_error(value, zone):
    """Why the naive ``value`` names no one moment in ``zone``: the clocks
    skip it, going forward, or pass it twice, going back. Said in the
    cohort's zone, where the coordinator entered it, instead of Django's
    "may be ambiguous or it may not exist"."""
    params = {
        "date": date_format(value, "SHORT_DATE_FORMAT"),
        "time": time_format(value, "TIME_FORMAT"),
        "zone": str(zone),
    }
    if exists(value, zone):
        return ValidationError(
            _(
                "%(date)s at %(time)s happens twice in %(zone)s as clocks go "
                "back. Choose another time."
            ),
            code="ambiguous_timezone",
            params=params,
        )
    # The gap begins the minute after the last time that exists before it.
    change = value.replace(second=0, microsecond=0)
    while not exists(change - timedelta(minutes=1), zone):
        change -= timedelta(minutes=1)
    return ValidationError(
        _(
            # Not "at %(change)s." in English, whose times end "a.m.".
            "%(date)s at %(time)s does not exist in %(zone)s: clocks go forward "
            "at %(change)s that night. Choose another time."
        ),
        code="ambiguous_timezone",
        params={**params, "change": time_format(change, "TIME_FORMAT")},
    )


def exists(value, zone):
    """Whether the clocks in ``zone`` show the naive ``value`` at all."""
    aware = value.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == value


class ZonedDateTimeField(models.DateTimeField):
    """Stored in UTC like any DateTimeField; edited in the cohort's zone."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ZonedDateTimeFormField, **kwargs})


class ZonedDateTimeComparison(FieldComparison):
    """A time in the page's History › Compare as its editor shows it: in
    the ``zone`` of its object (a session's is its cohort's), to the minute.
    Wagtail would show the moment as read: from a revision in the admin
    user's zone, from the live page in UTC."""

    def __init__(self, field, obj_a, obj_b):
        super().__init__(field, obj_a, obj_b)
        self.shown_a = shown_time(self.val_a, getattr(obj_a, "zone", None))
        self.shown_b = shown_time(self.val_b, getattr(obj_b, "zone", None))

    def htmldiff(self):
        if self.val_a != self.val_b:
            return TextDiff(
                [("deletion", self.shown_a), ("addition", self.shown_b)]
            ).to_html()
        return escape(self.shown_a)


def shown_time(moment, zone):
    if moment is None:
        return ""
    local = moment.astimezone(zone) if zone else timezone.localtime(moment)
    return AdminDateTimeInput().format_value(local)


register_comparison_class(ZonedDateTimeField, comparison_class=ZonedDateTimeComparison)


class HttpsURLField(models.URLField):
    """A web link that must use https, with one clear message for any bad value
    (the model and form layers would otherwise each use their generic one)."""

    default_validators = [URLValidator(schemes=["https"])]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Enter a meeting link that starts with https://.")},
        )
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(
            **{"error_messages": {"invalid": self.error_messages["invalid"]}, **kwargs}
        )
