"""Forms of the public site: a participant's reflection and a comment on one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import TypedTextField, typed_text
from .models import (
    MAX_ANSWER_LENGTH,
    MAX_COMMENT_LENGTH,
    MAX_PLAN_LENGTH,
    USEFULNESS_MAX,
    Reflection,
)

#: The usefulness scale as the participant reads it.
USEFULNESS_CHOICES = [
    (1, _("1 – not useful")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (USEFULNESS_MAX, _("5 – very useful")),
]


class ReflectionForm(forms.Form):
    """One text field per prompt of the experiment, labelled by the prompt,
    and who can read the reflection."""

    visibility = forms.ChoiceField(
        label=_("Who can read this?"),
        # In the participant's words: the model's labels are the trainers'.
        choices=[
            (Reflection.Visibility.TRAINERS, _("Trainers only")),
            (Reflection.Visibility.COHORT, _("Shared with my cohort")),
        ],
        initial=Reflection.Visibility.TRAINERS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who can read your reflection.")},
    )
    # The outcome: asked of every reflection, required when it is submitted
    # (see ``missing_outcome``), so a draft saves without it.
    decision = forms.ChoiceField(
        label=_("What will you do with this experiment now?"),
        choices=Reflection.Decision.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    usefulness = forms.TypedChoiceField(
        label=_("How useful was the experiment in your work?"),
        choices=USEFULNESS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, experiment, reflection=None, **kwargs):
        self.prompts = experiment.prompt_list or [_("Your reflection")]
        if reflection is not None and "initial" not in kwargs:
            answers = answers_by_prompt(reflection, self.prompts)
            kwargs["initial"] = {
                "visibility": reflection.visibility,
                "decision": reflection.decision,
                "usefulness": reflection.usefulness,
                **{field_name(i): answer for i, answer in enumerate(answers)},
            }
        super().__init__(*args, **kwargs)
        answer_fields = {
            field_name(index): TypedTextField(
                label=prompt,
                required=False,
                strip=False,
                limit=MAX_ANSWER_LENGTH,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
            for index, prompt in enumerate(self.prompts)
        }
        # The prompts first, in order, then the outcome, then who can read
        # them.
        self.fields = {
            **answer_fields,
            "decision": self.fields["decision"],
            "usefulness": self.fields["usefulness"],
            "visibility": self.fields["visibility"],
        }

    def answer_fields(self):
        return [self[field_name(index)] for index in range(len(self.prompts))]

    def answers(self):
        """The answers as the model stores them, from the posted text itself:
        an answer that is too long is still kept as a draft."""
        return [
            {
                "prompt": str(prompt),
                "answer": typed_text(str(self.data.get(field_name(i), ""))),
            }
            for i, prompt in enumerate(self.prompts)
        ]

    def has_text(self):
        return any(item["answer"].strip() for item in self.answers())

    def visibility_value(self):
        value = self.data.get("visibility")
        return value if value in Reflection.Visibility.values else None

    def outcome(self):
        """The decision and usefulness as posted, each ``None`` when missing
        or not one of the choices: a draft keeps what is valid of them."""
        decision = self.data.get("decision")
        try:
            usefulness = int(self.data.get("usefulness", ""))
        except ValueError:
            usefulness = None
        return (
            decision if decision in Reflection.Decision.values else None,
            usefulness if 1 <= (usefulness or 0) <= USEFULNESS_MAX else None,
        )

    def require_outcome(self):
        """On submit: both parts of the outcome are needed; says which is
        missing on its own field. True when both are there."""
        decision, usefulness = self.outcome()
        if decision is None:
            self.add_error(
                "decision",
                _("Choose whether you adopt, adapt or drop the experiment."),
            )
        if usefulness is None:
            self.add_error(
                "usefulness", _("Choose how useful the experiment was, from 1 to 5.")
            )
        return decision is not None and usefulness is not None


class CommentForm(forms.Form):
    text = TypedTextField(
        label=_("Your comment"),
        limit=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a comment before you post it.")},
    )


class ChoiceForm(forms.Form):
    """Which of a gap's options a participant does; for their own
    experiment, their plan: what, when, and how they will know it worked."""

    experiment = forms.TypedChoiceField(
        label=_("Which experiment will you do?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the experiment you will do.")},
    )
    plan_what = TypedTextField(
        label=_("What will you try?"),
        limit=MAX_PLAN_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plan_when = TypedTextField(
        label=_("When will you try it?"),
        limit=MAX_PLAN_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    plan_measure = TypedTextField(
        label=_("How will you know it worked?"),
        limit=MAX_PLAN_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = {option.pk: option for option in options}
        self.fields["experiment"].choices = [
            (option.pk, option.title) for option in options
        ]
        self.asks_plan = any(option.own for option in options)
        if not self.asks_plan:
            for name in ("plan_what", "plan_when", "plan_measure"):
                del self.fields[name]

    def option_radios(self):
        """Each option's radio button with the option, for its instructions."""
        return list(zip(self["experiment"], self.options.values(), strict=True))

    def plan_fields(self):
        return [self[name] for name in ("plan_what", "plan_when", "plan_measure")]

    def clean(self):
        cleaned = super().clean()
        option = self.options.get(cleaned.get("experiment"))
        if option is not None and option.own:
            for name in ("plan_what", "plan_when", "plan_measure"):
                if not (cleaned.get(name) or "").strip():
                    self.add_error(name, _("Answer this to plan your own experiment."))
        return cleaned

    @property
    def option(self):
        return self.options[self.cleaned_data["experiment"]]


def field_name(index):
    return f"answer_{index}"


def answers_by_prompt(reflection, prompts):
    """The stored answers in the order of ``prompts``: matched by prompt, so
    that they follow their question if a trainer reorders the prompts, else
    by position, if a trainer rewords one."""
    items = [item for item in reflection.answers or [] if isinstance(item, dict)]
    by_prompt = {str(item.get("prompt", "")): item for item in items}
    return [
        str(
            (by_prompt.get(str(prompt)) or (items[i] if i < len(items) else {})).get(
                "answer", ""
            )
        )
        for i, prompt in enumerate(prompts)
    ]
