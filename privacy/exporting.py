"""A person's data as a zip: ``data.json`` for machines and ``index.html``
for people, with every registered entry's rows of that person alone."""

import datetime
import io
import json
import zipfile
import zoneinfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import yesno
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from wagtail.users.models import UserProfile

from outbox.rendering import preferred_languages

from .conf import export_lifetime
from .models import DataExport
from .registry import Person, json_ready, registered


def collect(person):
    """[(entry, rows)] of every registered entry that holds ``person``, the
    rows as the database holds them."""
    sections = []
    for entry in registered():
        if not entry.fields:
            continue
        rows = entry.values(person)
        if rows:
            sections.append((entry, rows))
    return sections


def build_archive(user, now=None):
    """The zip of ``user``'s data (bytes), its index in their language and
    time zone."""
    now = now or timezone.now()
    person = Person.of(user)
    sections = collect(person)
    data = {
        "exported_at": now,
        "person": {"id": user.pk, "email": user.email},
        "data": [
            {
                "model": entry.label,
                "name": str(entry.display_name),
                "purpose": str(entry.purpose),
                "retention": str(entry.retention),
                "rows": [json_ready(row) for row in rows],
            }
            for entry, rows in sections
        ],
    }
    language = preferred_languages([user])[user.pk]
    zone = time_zone_of(user)
    with translation.override(language), timezone.override(zone):
        index = render_to_string(
            "privacy/export_index.html",
            {
                "person": user,
                "exported_at": now,
                "language": language,
                "time_zone": zone.key,
                "sections": [readable_section(entry, rows) for entry, rows in sections],
            },
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        archive.writestr("index.html", index)
    return buffer.getvalue()


def time_zone_of(user):
    """The zone the person chose in their profile, else the site's."""
    name = (
        UserProfile.objects.filter(user=user)
        .values_list("current_time_zone", flat=True)
        .first()
    )
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def readable_section(entry, rows):
    """An entry's rows for the index page: each row a list of
    {"heading", "text" or "answers"}, in the active language and zone."""
    fields = {path: entry.resolve(path) for path in entry.fields}
    headings = {
        path: heading(path, *fields[path], named=path in entry.read_as)
        for path in entry.fields
    }
    return {
        "name": entry.display_name,
        "purpose": entry.purpose,
        "retention": entry.retention,
        "rows": [
            [
                {
                    "heading": headings[path],
                    "lang": other_language(entry, path, row[path]),
                    **readable(field, read_as(entry, path, row[path])),
                }
                for path, (__, field) in fields.items()
            ]
            for row in rows
        ],
    }


def other_language(entry, path, value):
    """The language of ``value``, where the entry knows it and it is not
    the active one: the page marks it (``lang``), so that a screen reader
    reads a Finnish statement on a Swedish page in Finnish."""
    language = entry.languages.get(path)
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == current or value in (None, ""):
        return None
    return language


def read_as(entry, path, value):
    """``value`` as the entry's ``read_as`` reads it, where it has a reader
    for ``path`` and there is a value."""
    read = entry.read_as.get(path)
    if read is None or value in (None, "", [], {}):
        return value
    return read(value)


def heading(path, model, field, named=False):
    """A field's verbose name; one reached through a key with the name of
    the model it is on ("experiment", not "title", for ``experiment__title``),
    as is one ``named``: read as what it names (``read_as``)."""
    if "__" not in path:
        return field.verbose_name
    if named or field.name in ("title", "name"):
        return model._meta.verbose_name
    return f"{model._meta.verbose_name}: {field.verbose_name}"


def readable(field, value):
    """{"text": …} or {"answers": [(question, answer)]}: ``value`` of
    ``field`` as its person reads it. A choice reads as its label, a time in
    the active zone and language, a boolean as yes or no; a list of
    answers to questions (a reflection's, a survey's) as the pairs; nothing
    as a dash."""
    if value in (None, "", [], {}):
        return {"text": "–"}
    if field.choices:
        return {"text": str(dict(field.flatchoices).get(value, value))}
    if isinstance(value, bool):
        return {"text": yesno(value)}
    if isinstance(value, datetime.datetime):
        return {
            "text": formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
        }
    if isinstance(value, datetime.date):
        return {"text": formats.date_format(value, "DATE_FORMAT")}
    if is_answers(value):
        return {
            "answers": [
                (item.get("question", item.get("prompt", "")), item["answer"] or "–")
                for item in value
            ]
        }
    if isinstance(value, list | dict):
        return {"text": json.dumps(value, ensure_ascii=False, indent=2)}
    return {"text": str(value)}


def is_answers(value):
    """Whether ``value`` holds answers, as ``[{"prompt" or "question": …,
    "answer": …}]``."""
    return isinstance(value, list) and all(
        isinstance(item, dict) and "answer" in item for item in value
    )


def build(export_id, now=None):
    """Build a requested export (the ``build_export`` task)."""
    export = DataExport.objects.select_related("subject").filter(pk=export_id).first()
    if export is None or export.ready_at is not None:
        return False
    now = now or timezone.now()
    export.archive = build_archive(export.subject, now)
    export.ready_at = now
    export.expires_at = now + export_lifetime()
    export.save(update_fields=["archive", "ready_at", "expires_at"])
    return True


def forget_expired(now=None):
    """Delete the exports whose link has expired (a periodic job)."""
    deleted, __ = DataExport.objects.filter(
        expires_at__lt=now or timezone.now()
    ).delete()
    return deleted
