from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What an email about the impact survey is for (registered with the outbox)."""

    SURVEY_REMINDER = "impact_reminder", _("Impact survey reminder")
