"""What assignments keep about a person, for the privacy registry
(``register_personal_data``). Erasing deletes a person's drafts and
reflections for the trainers; those shared with the cohort, and their
comments, keep their place in the discussion with neither author nor
text (the pages say so in the reader's language)."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import PersonalData

from .models import Choice, Comment, Reflection, question_of

UNTIL_ERASED = _("Until the person or their cohort is erased.")


def erase_reflections(rows, person):
    shared = rows.filter(
        status=Reflection.Status.SUBMITTED,
        visibility=Reflection.Visibility.COHORT,
    )
    shared.update(
        author=None,
        answers=[],
        feedback="",
        feedback_by=None,
    )
    rows.delete()


def erase_comments(rows, person):
    rows.update(author=None, text="")


def readable_answers(answers):
    """A reflection's answers on the export's index page: each under its
    question, marked where the question was removed."""
    return [
        {"prompt": question_of(item), "answer": item.get("answer", "")}
        for item in answers
        if isinstance(item, dict)
    ]


def personal_data():
    return [
        PersonalData(
            Choice,
            subject="enrollment__user",
            cohort="experiment__cohort",
            fields=(
                "experiment__title",
                "after_session",
                "plan_what",
                "plan_when",
                "plan_measure",
                "chosen_at",
            ),
            purpose=_("The experiment the person chose, and their own plan."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Comment,
            subject="author",
            cohort="reflection__experiment__cohort",
            erase=erase_comments,
            fields=("reflection__experiment__title", "text", "created_at"),
            purpose=_("Comments on reflections in the cohort space."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Reflection,
            subject="author__user",
            cohort="experiment__cohort",
            references=("feedback_by",),
            erase=erase_reflections,
            fields=(
                "experiment__cohort__title",
                "experiment__title",
                "answers",
                "status",
                "visibility",
                "created_at",
                "updated_at",
                "submitted_at",
                "is_late",
                "decision",
                "usefulness",
                "feedback",
                "feedback_at",
            ),
            read_as={"answers": readable_answers},
            purpose=_("The person's reflections on their experiments."),
            retention=UNTIL_ERASED,
        ),
    ]
