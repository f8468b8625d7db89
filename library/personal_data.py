"""What the library keeps about a person, for the privacy registry
(``register_personal_data``). Erasing withdraws the person's stories from
the library and their thanks; a trainer's approval of others' stories stays
without their name."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import PersonalData

from .models import Story, Thanks

UNTIL_ERASED = _("Until the person or their cohort is erased.")


def personal_data():
    return [
        PersonalData(
            Story,
            subject="reflection__author__user",
            cohort="reflection__experiment__cohort",
            references=("approved_by",),
            fields=(
                "reflection__experiment__title",
                "anonymous",
                "requested_at",
                "approved_at",
            ),
            purpose=_("Reflections the person published in the experiment library."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            Thanks,
            subject="user",
            fields=("story__reflection__experiment__title", "created_at"),
            purpose=_("Thanks the person gave for stories in the library."),
            retention=UNTIL_ERASED,
        ),
    ]
