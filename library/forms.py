from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assignments.forms import TypedTextField
from assignments.models import MAX_PLAN_LENGTH, Reflection
from courses.models import CoursePage

from .models import Theme


class SearchForm(forms.Form):
    """The library's search box and filters; every part optional."""

    # In context: Wagtail's own "Search" is a noun (fi "Haku"), this a verb.
    q = forms.CharField(
        label=pgettext_lazy("the library", "Search"), required=False, max_length=200
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        required=False,
        empty_label=_("Any theme"),
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        required=False,
        empty_label=_("Any course"),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Any decision")), *Reflection.Decision.choices],
        required=False,
    )


class ShareForm(forms.Form):
    """Whether to publish a reflection in the library, and under which name."""

    publish = forms.BooleanField(
        label=_("Publish this reflection in the experiment library"),
        required=False,
    )
    anonymous = forms.TypedChoiceField(
        label=_("Show it"),
        choices=[(False, _("with my name")), (True, _("without my name"))],
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        initial=False,
    )


class TryForm(forms.Form):
    """A pattern as one's own experiment: where, and the plan for it."""

    experiment = forms.TypedChoiceField(
        label=_("Where will you try it?"),
        coerce=int,
        error_messages={"required": _("Choose where you will try it.")},
    )
    plan_what = TypedTextField(
        label=_("What will you try?"),
        limit=MAX_PLAN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Answer this to plan your own experiment.")},
    )
    plan_when = TypedTextField(
        label=_("When will you try it?"),
        limit=MAX_PLAN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Answer this to plan your own experiment.")},
    )
    plan_measure = TypedTextField(
        label=_("How will you know it worked?"),
        limit=MAX_PLAN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Answer this to plan your own experiment.")},
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {option.pk: (enrollment, option) for enrollment, option in places}
        self.fields["experiment"].choices = [
            (
                option.pk,
                _("%(cohort)s, after session %(number)s")
                % {"cohort": enrollment.cohort.title, "number": option.after_session},
            )
            for enrollment, option in places
        ]
        if len(places) == 1:
            self.fields["experiment"].widget = forms.HiddenInput()
            self.fields["experiment"].initial = places[0][1].pk

    @property
    def place(self):
        return self.places[self.cleaned_data["experiment"]]
