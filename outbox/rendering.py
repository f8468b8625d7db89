"""Emails as their readers get them: in the language each person chose, as
plain text and HTML from one pair of templates."""

import re

from django.conf import settings
from django.template.loader import render_to_string
from wagtail.users.models import UserProfile


def render_email(template, subject, **context):
    """(subject, text, html) from ``<template>.txt`` and ``<template>.html``,
    e.g. ``cohorts/email/invite``. The HTML templates extend
    ``outbox/email/base.html``."""
    context["subject"] = subject
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return subject, re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", html


#: Values in one ``IN (…)`` list at most: SQLite refuses a statement of
#: more than 32,766 parameters.
IN_LIST_SIZE = 10_000


def in_lists(values, size=IN_LIST_SIZE):
    """``values`` (any iterable) as lists of at most ``size``, for lookups
    with ``__in`` over however many there are."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def preferred_languages(users, default=None):
    """{user id: language}: the language each person chose (on the site or
    in the admin) where it is one the site offers, else ``default`` (the
    site's own unless given)."""
    offered = {code for code, __ in settings.LANGUAGES}
    default = default if default in offered else settings.LANGUAGE_CODE
    chosen = {}
    for ids in in_lists({user.pk for user in users}):
        chosen.update(
            UserProfile.objects.filter(user__in=ids).values_list(
                "user_id", "preferred_language"
            )
        )
    return {
        user.pk: chosen.get(user.pk) if chosen.get(user.pk) in offered else default
        for user in users
    }


def single_line(text):
    """``text`` on one line: line breaks (and runs of spaces) as one space.
    For titles and whatever goes into a header, such as a subject."""
    return " ".join(str(text).split())
