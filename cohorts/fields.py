from django import forms
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
            return super().to_python(value)


class ZonedDateTimeField(models.DateTimeField):
    """Stored in UTC like any DateTimeField; edited in the cohort's zone."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ZonedDateTimeFormField, **kwargs})


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
