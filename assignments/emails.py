"""Emails to the author of a reflection about what others did with it."""

from django.utils import translation

from cohorts import conf
from cohorts.invites import preferred_languages, render_email
from cohorts.outbox import queue_email


def email_author(reflection, *, key, kind, template, subject, link, **context):
    """Queue ``cohorts/email/<template>`` to ``reflection``'s author, in
    their language, once per ``key``. ``subject`` is a lazy text with
    ``%(title)s`` for the experiment, and ``link`` a lazy path of the page
    to open: both are made in the author's language, as are lazy texts in
    ``context``. Returns the outbox row, or None without an email address."""
    person = reflection.author.user
    if not person.email:
        return None
    experiment = reflection.experiment
    with translation.override(preferred_languages([person])[person.pk]):
        subject, text, html = render_email(
            template,
            subject=str(subject) % {"title": experiment.title},
            person=person,
            experiment=experiment,
            cohort=experiment.cohort,
            url=conf.site_url() + str(link),
            **context,
        )
    return queue_email(key, kind, person.email, subject, text, html)
