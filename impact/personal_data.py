"""What the impact survey keeps about a person, for the privacy registry
(``register_personal_data``). Erasing deletes the person's answers; the
report's figures are computed from the answers there are."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import PersonalData

from .models import Rating, Response

UNTIL_ERASED = _("Until the person or their cohort is erased.")


def personal_data():
    return [
        PersonalData(
            Rating,
            subject="response__enrollment__user",
            cohort="response__enrollment__cohort",
            fields=(
                "response__wave",
                "statement__text_fi",
                "statement__text_sv",
                "statement__text_en",
                "value",
                "before",
            ),
            languages={
                "statement__text_fi": "fi",
                "statement__text_sv": "sv",
                "statement__text_en": "en",
            },
            purpose=_("The person's ratings in the impact survey."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Response,
            subject="enrollment__user",
            cohort="enrollment__cohort",
            fields=(
                "enrollment__cohort__title",
                "wave",
                "status",
                "open_answers",
                "created_at",
                "updated_at",
                "submitted_at",
            ),
            purpose=_("The person's answers to the impact survey's waves."),
            retention=UNTIL_ERASED,
        ),
    ]
