"""Forms of the public site: a participant's reflection and a comment on one."""

from collections import Counter, defaultdict

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import TypedTextField, too_long, typed_text
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
        #: Answers to questions removed since they were written: shown, not
        #: edited, and kept when the reflection is saved.
        self.removed_answers = []
        if reflection is not None:
            matched, rest = match_answers(reflection.answers, self.prompts)
            self.removed_answers = removed((), rest)
            kwargs.setdefault(
                "initial",
                {
                    "visibility": reflection.visibility,
                    "decision": reflection.decision,
                    "usefulness": reflection.usefulness,
                    **{
                        field_name(i): str(item.get("answer", "")) if item else ""
                        for i, item in enumerate(matched)
                    },
                },
            )
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

    def posted_answers(self, stored=()):
        """The answers as posted, each with the question the page showed it
        under: a page loaded before the prompts were changed still sends
        the old ones. Only a question of the experiment or of ``stored``
        is taken for one of its boxes; else (a page without them), the
        current one there. An answer past the experiment's questions (the
        page had more) keeps the question the page sent, to be kept as the
        answer to a removed one."""
        known = {str(prompt) for prompt in self.prompts}
        known.update(str(item.get("prompt", "")) for item in valid_items(stored))
        known.discard("")
        posted = []
        for i in range(len(self.data)):
            if field_name(i) not in self.data:
                break
            prompt = str(self.data.get(prompt_name(i), ""))
            if i >= len(self.prompts) + MAX_REMOVED:
                break
            if prompt not in known and i < len(self.prompts):
                prompt = str(self.prompts[i])
            answer = typed_text(str(self.data.get(field_name(i), "")))
            posted.append({"prompt": prompt, "answer": answer})
        return posted

    def answers(self, stored=()):
        """The answers as the model stores them, from the posted text itself:
        an answer that is too long is still kept as a draft. Answers in
        ``stored`` or posted whose question was removed since are kept after
        them, marked ``removed``, so that nothing written is lost."""
        matched, rest = match_answers(self.posted_answers(stored), self.prompts)
        current = [
            {"prompt": str(prompt), "answer": item["answer"] if item else ""}
            for prompt, item in zip(self.prompts, matched, strict=True)
        ]
        # A page that still had the question sends the newer text.
        return current + removed(rest, match_answers(stored, self.prompts)[1])

    def clean(self):
        cleaned = super().clean()
        # A page from before a question was removed sends more answers than
        # there are fields: they are kept, so their length is checked too.
        for i in range(len(self.prompts), len(self.data)):
            if field_name(i) not in self.data:
                break
            length = len(typed_text(str(self.data[field_name(i)])))
            if length > MAX_ANSWER_LENGTH:
                raise forms.ValidationError(too_long(MAX_ANSWER_LENGTH, length))
        return cleaned

    def has_text(self):
        return any(
            item["answer"].strip() for item in self.answers() if not item.get("removed")
        )

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


def prompt_name(index):
    """The hidden field that says which question ``field_name(index)``
    answers on the page sent."""
    return f"prompt_{index}"


def valid_items(answers):
    return [item for item in answers or [] if isinstance(item, dict)]


def match_answers(answers, prompts):
    """The item of ``answers`` that answers each of ``prompts`` (``None``
    where none does), and the items no prompt took.

    By the question's text first, so that an answer follows its question
    when a coordinator reorders the prompts or inserts one. Then, for a
    question reworded, an answer whose question no longer exists, from the
    same place: after the same answer matched by text, in order. No answer
    is used twice, and one already kept as ``removed`` comes back only by
    its text."""
    items = valid_items(answers)
    prompts = [str(prompt) for prompt in prompts]
    by_text = defaultdict(list)
    for index, item in enumerate(items):
        by_text[str(item.get("prompt", ""))].append(index)
    taken = [by_text[prompt].pop(0) if by_text[prompt] else None for prompt in prompts]
    matched = set(taken)
    # The answers of questions gone, by the matched answer before them.
    gone = defaultdict(list)
    after = None
    for index, item in enumerate(items):
        if index in matched:
            after = index
        elif str(item.get("prompt", "")) not in prompts and not item.get("removed"):
            gone[after].append(index)
    after = None
    for position, index in enumerate(taken):
        if index is not None:
            after = index
        elif gone[after]:
            taken[position] = gone[after].pop(0)
    used = set(taken)
    return (
        [None if index is None else items[index] for index in taken],
        [item for index, item in enumerate(items) if index not in used],
    )


#: Answers past the experiment's questions that a page may send (one that
#: had more questions when it was loaded), and the length kept of the
#: question each names.
MAX_REMOVED = 20
MAX_PROMPT_LENGTH = 1_000


def removed(posted, stored):
    """Answers to removed questions, those with text: the ``posted`` ones
    (a page loaded before the question was removed sends the newer text),
    then the ``stored`` ones the page did not send again. Counted by
    occurrence: two removed questions of the same text keep both answers."""
    sent = Counter()
    kept = []
    for item in posted:
        prompt, answer = (
            str(item.get("prompt", ""))[:MAX_PROMPT_LENGTH],
            str(item.get("answer", "")),
        )
        sent[prompt] += 1
        if answer.strip():
            kept.append({"prompt": prompt, "answer": answer, "removed": True})
    seen = Counter()
    for item in stored:
        prompt, answer = str(item.get("prompt", "")), str(item.get("answer", ""))
        seen[prompt] += 1
        if answer.strip() and seen[prompt] > sent[prompt]:
            kept.append({"prompt": prompt, "answer": answer, "removed": True})
    return kept
