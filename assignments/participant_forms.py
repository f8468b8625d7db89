"""Forms of the public site: a participant's reflection and a comment on one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import TypedTextField, typed_text
from .models import MAX_ANSWER_LENGTH, MAX_COMMENT_LENGTH, Reflection


class ReflectionForm(forms.Form):
    """One text field per prompt of the experiment, labelled by the prompt,
    and who can read the reflection."""

    visibility = forms.ChoiceField(
        label=_("Who can read this?"),
        choices=Reflection.Visibility.choices,
        initial=Reflection.Visibility.TRAINERS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who can read your reflection.")},
    )

    def __init__(self, *args, experiment, reflection=None, **kwargs):
        self.prompts = experiment.prompt_list or [_("Your reflection")]
        if reflection is not None and "initial" not in kwargs:
            answers = answers_by_prompt(reflection, self.prompts)
            kwargs["initial"] = {
                "visibility": reflection.visibility,
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
        # The prompts first, in order, then who can read them.
        self.fields = {**answer_fields, "visibility": self.fields["visibility"]}

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


class CommentForm(forms.Form):
    text = TypedTextField(
        label=_("Your comment"),
        limit=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a comment before you post it.")},
    )


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
