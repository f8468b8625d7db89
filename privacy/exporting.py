"""A person's data as a zip: ``data.json`` for machines and ``index.html``
for people, with every registered entry's rows of that person alone."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation

from outbox.rendering import preferred_languages

from .conf import export_lifetime
from .models import DataExport
from .registry import Person, registered


def collect(person):
    """[(entry, rows)] of every registered entry that holds ``person``."""
    sections = []
    for entry in registered():
        if not entry.fields:
            continue
        rows = entry.export(person)
        if rows:
            sections.append((entry, rows))
    return sections


def build_archive(user, now=None):
    """The zip of ``user``'s data (bytes), its index in their language."""
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
                "rows": rows,
            }
            for entry, rows in sections
        ],
    }
    language = preferred_languages([user])[user.pk]
    with translation.override(language):
        index = render_to_string(
            "privacy/export_index.html",
            {
                "person": user,
                "exported_at": now,
                "language": language,
                "sections": [
                    {
                        "name": entry.display_name,
                        "purpose": entry.purpose,
                        "retention": entry.retention,
                        "headings": [heading(entry, name) for name in entry.fields],
                        "rows": [
                            [row.get(name) for name in entry.fields] for row in rows
                        ],
                    }
                    for entry, rows in sections
                ],
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


def heading(entry, path):
    """The verbose name of a field (the last one of a path)."""
    model = entry.model
    names = path.split("__")
    for name in names[:-1]:
        model = model._meta.get_field(name).related_model
    return model._meta.get_field(names[-1]).verbose_name


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
