"""Rendered parts of the participants' pages kept in the cache, under a
fingerprint of everything they show.

Much of the time of the cohort space, the reflection page and the progress
grid goes to rendering their templates. The views still read what they
show, then fingerprint it: every field of every object read (related
objects, prefetched rows and annotations included), the values worked out
from the time (a session to join now, a late experiment) and the language.
A part is rendered again only when its fingerprint changes, so nothing has
to remember to clear the cache when a reflection, a session or a name
changes, whatever changed it (the admin, an import, a bulk update, an
erasure).

In a template::

    {% load cache %}
    {% cache fragment_seconds "my-training" cohorts_fingerprint %}...{% endcache %}

A part shared by many readers (the cohort's reflections) is fingerprinted
apart from what is each reader's own (their programme), so they share it.
"""

import dataclasses
import datetime
import decimal
import enum
import functools
import hashlib
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Page
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.template.utils import get_app_template_dirs
from django.utils.functional import Promise
from django.utils.translation import get_language

#: How long a rendered part is kept, in seconds; a part not asked for again
#: within this time makes room for others.
FRAGMENT_SECONDS = 3600

_PLAIN = (
    str,
    int,
    float,
    bool,
    type(None),
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    # A time zone's repr names it: zoneinfo.ZoneInfo(key='Europe/Helsinki').
    datetime.tzinfo,
    uuid.UUID,
    enum.Enum,
)


def fingerprint(*values):
    """A digest of ``values`` and the active language: model instances,
    dataclasses, pages of a paginator, and lists, tuples, sets and dicts of
    them. Anything else that cannot be told apart by its contents raises
    TypeError, rather than giving a fingerprint that would not change."""
    # An object met again is written as the number it had when first met:
    # which one it is counts (the experiment to do now is one of the rows).
    plain = _plain((templates_digest(), get_language(), values), {})
    text = repr(plain).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=20).hexdigest()


def fragment_context(**parts):
    """What a template needs for ``{% cache %}`` around each part: for
    ``name=(values...)``, ``<name>_fingerprint``, and ``fragment_seconds``.
    With DEBUG on, nothing is kept: templates being edited show at once."""
    return {
        **{
            f"{name}_fingerprint": fingerprint(*values)
            for name, values in parts.items()
        },
        "fragment_seconds": fragment_seconds(),
    }


def not_kept(*names):
    """``fragment_context`` for parts that are rendered anew every time,
    such as a form sent back with its errors."""
    return {**{f"{name}_fingerprint": "" for name in names}, "fragment_seconds": 0}


def fragment_seconds():
    """How long a rendered part is kept: with DEBUG on, not at all."""
    return 0 if settings.DEBUG else FRAGMENT_SECONDS


@functools.cache
def templates_digest():
    """A digest of every template file the apps and the site have, of their
    compiled translations, read once a process, and of ``VIRTU_RELEASE``: a
    release that changes how a part looks or reads renders it anew. (Each
    process's own cache starts empty anyway; a cache shared between
    processes outlives a release, so a release that changes code but no
    template or translation sets ``VIRTU_RELEASE``.)"""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(str(getattr(settings, "VIRTU_RELEASE", "")).encode())
    folders = [*get_app_template_dirs("templates")]
    for engine in settings.TEMPLATES:
        folders.extend(Path(folder) for folder in engine.get("DIRS", ()))
    for folder, pattern in [
        *((folder, "*.html") for folder in folders),
        *(
            (folder, f"{language}/LC_MESSAGES/*.mo")
            for folder in translation_folders()
            for language, __ in settings.LANGUAGES
        ),
    ]:
        for path in sorted(Path(folder).rglob(pattern)):
            digest.update(str(path).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def translation_folders():
    """Where the site's and the apps' translations are, as Django looks."""
    return [
        *(Path(folder) for folder in settings.LOCALE_PATHS),
        *(Path(app.path) / "locale" for app in apps.get_app_configs()),
    ]


def _plain(value, seen):
    """``value`` as nested tuples of values whose repr says what they hold."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item, seen) for item in value)
    if isinstance(value, dict):
        return tuple((_plain(k, seen), _plain(v, seen)) for k, v in value.items())
    if isinstance(value, models.Model):
        if id(value) in seen:
            return ("<seen>", seen[id(value)])
        seen[id(value)] = len(seen)
        return _plain_model(value, seen)
    if dataclasses.is_dataclass(value):
        if id(value) in seen:
            return ("<seen>", seen[id(value)])
        seen[id(value)] = len(seen)
        return (type(value).__qualname__,) + tuple(
            _plain(getattr(value, field.name), seen)
            for field in dataclasses.fields(value)
        )
    if isinstance(value, Page):
        return (
            "page",
            value.number,
            value.paginator.count,
            _plain(list(value.object_list), seen),
        )
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_plain(item, seen)) for item in value))
    if isinstance(value, bytes):
        return value
    raise TypeError(f"Cannot fingerprint {type(value).__qualname__}")


def _plain_model(instance, seen):
    fields = [type(instance).__qualname__]
    for name, item in vars(instance).items():
        if name == "_state":
            # Related objects read with select_related, or already used.
            for related_name, related in instance._state.fields_cache.items():
                fields.append((related_name, _plain(related, seen)))
        elif name == "_prefetched_objects_cache":
            for related_name, rows in item.items():
                fields.append((related_name, _plain(list(rows), seen)))
        elif not name.startswith("_"):
            fields.append(
                (name, item if isinstance(item, _PLAIN) else _plain(item, seen))
            )
    return tuple(fields)


@receiver(setting_changed)
def forget_kept_parts(**kwargs):
    """A part depends on settings its fingerprint does not hold (the site's
    own language, which decides which addresses have a language prefix; its
    URLs and templates). Only tests change settings while a process runs:
    one that does renders anew, and leaves nothing for the next test, whose
    rows may have the same ids again. (Where parts are kept in the default
    cache, as when a site has no ``template_fragments`` cache, that is left
    alone.)"""
    if "template_fragments" in settings.CACHES:
        caches["template_fragments"].clear()
