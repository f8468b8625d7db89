"""Emails about experiments and reflections: what each is for, and the one
helper that writes to a reflection's author about what others did with it."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from outbox.conf import site_url
from outbox.rendering import preferred_languages, render_email
from outbox.sending import queue_email


class Kind(models.TextChoices):
    """What an email about reflections is for (registered with the outbox)."""

    REFLECTION_REMINDER = "reflection_reminder", _("Reflection reminder")
    FEEDBACK = "feedback", _("Feedback on a reflection")
    COMMENT = "comment", _("Comment on a reflection")

    @property
    def for_open_accounts(self):
        """Not sent to an account closed since (``outbox.kinds``)."""
        return True


def email_author(reflection, *, key, kind, template, subject, link, **context):
    """Queue ``template`` (``assignments/email/feedback``: the ``.txt`` and
    ``.html`` of that path) to ``reflection``'s author, in their language,
    once per ``key``. ``subject`` is a lazy text with
    ``%(title)s`` for the experiment, and ``link`` a lazy path of the page
    to open: both are made in the author's language, as are lazy texts in
    ``context``. Returns the outbox row, or None without an email address
    or when the author no longer reads the cohort (withdrawn from it, the
    cohort unpublished, or their account closed): the email would tell them
    what they may not open."""
    person = reflection.author.user
    experiment = reflection.experiment
    if (
        not person.email
        or not person.is_active
        or reflection.author.withdrawn_at is not None
        or not experiment.cohort.live
    ):
        return None
    with translation.override(preferred_languages([person])[person.pk]):
        subject, text, html = render_email(
            template,
            str(subject) % {"title": experiment.title},
            person=person,
            experiment=experiment,
            cohort=experiment.cohort,
            url=site_url() + str(link),
            **context,
        )
    return queue_email(key, kind, person.email, subject, text, html, user=person)
