"""Forms the course and cohort pages share in the admin."""

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.forms.pages import CopyForm


def limit_help(limit):
    """A box's help text that says its limit before it is passed, in the
    reader's language when it is read (for every app's boxes of typed text:
    reflections, comments, accessibility feedback)."""

    def text():
        return ngettext(
            "At most %(limit)s character.", "At most %(limit)s characters.", limit
        ) % {"limit": number_format(limit, force_grouping=True)}

    return lazy(text, str)()


def limit_attrs(limit):
    """The attributes of a box with ``limit`` for virtu/limit.js, which
    counts down to it on any page: the limit, and what the count says near
    it and past it (in the reader's language when the box is shown)."""
    return {
        "data-limit": limit,
        "data-characters-left": _("Characters left: %(count)s"),
        "data-characters-over": _("Characters over the limit: %(count)s"),
    }


class CopyWithoutAliasForm(CopyForm):
    """Wagtail's copy form without "Alias": a cohort is one run of a course
    with its own people, trainers and calendar, so a page that mirrors
    another cohort (or a course's cohorts) would share what is the
    original's alone. A copy is a cohort of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("alias", None)


class CoursePageForm(WagtailAdminPageForm):
    """Checks the session plan against the course's own session bounds: a
    new cohort's sessions are laid out from the plan and must keep to them,
    so a planned session outside them would stop every cohort being made."""

    def clean(self):
        cleaned_data = super().clean()
        shortest = cleaned_data.get("min_session_minutes")
        longest = cleaned_data.get("max_session_minutes")
        formset = self.formsets.get("session_plans")
        if not shortest or not longest or formset is None:
            return cleaned_data
        for form in formset.forms:
            if not form.is_valid() or formset._should_delete_form(form):
                continue
            length = form.cleaned_data.get("length_minutes")
            if length is not None and not shortest <= length <= longest:
                form.add_error(
                    "length_minutes",
                    _(
                        "Sessions of this course last %(shortest)d to "
                        "%(longest)d minutes."
                    )
                    % {"shortest": shortest, "longest": longest},
                )
        return cleaned_data
