"""The impact survey as a participant fills it in: each statement rated
from 0 to 10 (at the end also as they would have rated it before the
training), then the open questions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assignments.forms import TypedTextField, typed_text

from .models import MAX_OPEN_ANSWER_LENGTH, SCALE_MAX, Wave

SCALE_CHOICES = [
    (0, _("0 – not at all")),
    *[(number, str(number)) for number in range(1, SCALE_MAX)],
    (SCALE_MAX, _("10 – fully")),
]


def rating_name(statement):
    return f"rating_{statement.pk}"


def before_name(statement):
    return f"before_{statement.pk}"


def answer_name(index):
    return f"answer_{index}"


class SurveyForm(forms.Form):
    def __init__(self, *args, statements, questions, wave, response=None, **kwargs):
        self.statements = list(statements)
        self.questions = list(questions)
        self.asks_before = wave == Wave.END
        if response is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_values(
                response, self.statements, self.questions
            )
        super().__init__(*args, **kwargs)
        for statement in self.statements:
            self.fields[rating_name(statement)] = self.scale_field(statement.text)
            if self.asks_before:
                self.fields[before_name(statement)] = self.scale_field(
                    _("Before the training, I would have said")
                )
        for index, question in enumerate(self.questions):
            self.fields[answer_name(index)] = TypedTextField(
                label=question.text,
                required=False,
                strip=False,
                limit=MAX_OPEN_ANSWER_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @staticmethod
    def scale_field(label):
        return forms.TypedChoiceField(
            label=label,
            choices=SCALE_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
        )

    def items(self):
        """(statement, its rating field, its retrospective field or None,
        the id of its heading)."""
        return [
            (
                statement,
                self[rating_name(statement)],
                self[before_name(statement)] if self.asks_before else None,
                f"statement-{statement.pk}",
            )
            for statement in self.statements
        ]

    def answer_fields(self):
        return [self[answer_name(index)] for index in range(len(self.questions))]

    def ratings(self):
        """{statement id: (rating, retrospective rating)} as posted, each
        None when missing or off the scale: a draft keeps what is valid."""

        def value(name):
            try:
                number = int(self.data.get(name, ""))
            except ValueError:
                return None
            return number if 0 <= number <= SCALE_MAX else None

        return {
            statement.pk: (
                value(rating_name(statement)),
                value(before_name(statement)) if self.asks_before else None,
            )
            for statement in self.statements
        }

    def open_answers(self):
        """An answer for each open question, in order; none at all where
        nothing is written, so that the report can tell in the database
        which responses have an open answer (``figures.open_answers``)."""
        answers = [
            {
                "question": str(question.text),
                "answer": typed_text(str(self.data.get(answer_name(index), ""))),
            }
            for index, question in enumerate(self.questions)
        ]
        return answers if any(item["answer"].strip() for item in answers) else []

    def has_answers(self):
        return any(
            value is not None for pair in self.ratings().values() for value in pair
        ) or bool(self.open_answers())

    def require_every_rating(self):
        """On sending: every statement rated. Says so on each one missing."""
        complete = True
        for statement in self.statements:
            rating, before = self.ratings()[statement.pk]
            if rating is None:
                self.add_error(
                    rating_name(statement), _("Choose a number from 0 to 10.")
                )
                complete = False
            if self.asks_before and before is None:
                self.add_error(
                    before_name(statement), _("Choose a number from 0 to 10.")
                )
                complete = False
        return complete


def initial_values(response, statements, questions):
    ratings = {rating.statement_id: rating for rating in response.ratings.all()}
    initial = {}
    for statement in statements:
        rating = ratings.get(statement.pk)
        if rating is not None:
            initial[rating_name(statement)] = rating.value
            initial[before_name(statement)] = rating.before
    answers = [item for item in response.open_answers or [] if isinstance(item, dict)]
    for index, __ in enumerate(questions):
        if index < len(answers):
            initial[answer_name(index)] = str(answers[index].get("answer", ""))
    return initial
