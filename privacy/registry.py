"""The registry of personal data: what each app keeps about a person, why,
for how long, and how it is exported and erased.

Each app declares its own models with the ``register_personal_data`` hook,
a function that returns ``PersonalData`` entries::

    @hooks.register("register_personal_data")
    def personal_data():
        return [PersonalData(Enrollment, subject="user", fields=[...], ...)]

Entries are erased in the order they are registered (apps higher in the
layers first: their rows point at the lower apps' rows), so that an app can
still find a person's rows through its own tables. ``privacy.declarations``
declares the models of the apps below this one and of Django and Wagtail.
A test fails when a model with a key to the user or to an enrolment is
missing here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from wagtail import hooks


class NotYet(Exception):
    """Raised by an erase function when part of its rows must stay a while
    (emails not yet sent): the erasure is run again later."""


@dataclass(frozen=True)
class Person:
    """Whose data: the account's id and address. An erasure keeps them
    until it has finished, so that a rerun finds what is left."""

    user_id: int
    email: str = ""

    @classmethod
    def of(cls, user):
        return cls(user.pk, user.email or "")


@dataclass(frozen=True)
class PersonalData:
    model: type
    #: Why it is kept, and for how long (shown to privacy officers).
    purpose: str
    retention: str
    #: The path from a row to the account it is about (``"author__user"``),
    #: or empty when rows only record what the person did to others' data.
    subject: str = ""
    #: A field that holds the person's address, matched as well (outgoing
    #: emails, calendar invitations keep the address after the account).
    email_field: str = ""
    #: What the export holds of each of the person's rows: field names or
    #: paths (``"cohort__title"``).
    fields: tuple = ()
    #: Keys to the account on rows about other people or things (who marked
    #: attendance, who gave feedback): emptied on erasure, never exported.
    references: tuple = ()
    #: ``erase(rows, person)``: what erasure does to the person's rows;
    #: deletes them unless given. May raise ``NotYet``.
    erase: Callable | None = None
    #: ``rows(person)``: the person's rows, where ``subject`` cannot say it.
    find: Callable | None = None
    #: Other keys to the user or to an enrolment that this entry covers
    #: through ``find`` (for the completeness test).
    covers: tuple = field(default=())
    #: The path from a row to the cohort (a page) it belongs to, where it
    #: belongs to one: such rows go when the cohort's retention ends.
    cohort: str = ""
    #: What people read for these rows, where the model's plural name will
    #: not do (a table between two models, another app's untranslated name).
    name: str = ""
    #: ``{path: read}``: what the export's index page shows of a field,
    #: ``read(value)``, where the value alone does not say it in words (a
    #: language's code, an answer to a removed question). ``data.json``
    #: keeps the value.
    read_as: dict = field(default_factory=dict, compare=False)
    #: ``{path: language code}``: the language a field's text is written in,
    #: where the model knows it (a statement's Finnish wording). The index
    #: page marks such text with its language where it is not the page's.
    languages: dict = field(default_factory=dict, compare=False)

    @property
    def label(self):
        return self.model._meta.label

    @property
    def display_name(self):
        return self.name or self.model._meta.verbose_name_plural

    def rows(self, person):
        if self.find is not None:
            return self.find(person)
        match = Q(pk__in=[])
        if self.subject:
            match |= Q(**{self.subject: person.user_id})
        if self.email_field and person.email:
            match |= Q(**{f"{self.email_field}__iexact": person.email})
        return self.model._default_manager.filter(match)

    def referring(self, person):
        """Rows that name the person in ``references`` only."""
        match = Q()
        for name in self.references:
            match |= Q(**{name: person.user_id})
        if not match:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(match)

    def values(self, person):
        """The person's rows as dicts of ``fields``, as the database holds
        them (times as datetimes, choices as their stored values)."""
        return list(self.rows(person).order_by("pk").values(*self.fields))

    def resolve(self, path):
        """(model, field) a path of ``fields`` ends in: ``cohort__title`` is
        the cohort model and its ``title``."""
        model = self.model
        *relations, name = path.split("__")
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        return model, model._meta.get_field(name)

    def run_erase(self, person):
        for name in self.references:
            self.model._default_manager.filter(**{name: person.user_id}).update(
                **{name: None}
            )
        rows = self.rows(person)
        if self.erase is not None:
            self.erase(rows, person)
        else:
            rows.delete()

    def rows_of_cohort(self, cohort_id):
        if not self.cohort:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(**{self.cohort: cohort_id})

    def traces(self, person):
        """How many rows still hold the person (after an erasure: 0)."""
        return self.rows(person).count() + self.referring(person).count()


def json_ready(row):
    """A row of ``values`` for JSON: times and the like as text."""
    encoder = DjangoJSONEncoder()
    return {
        name: value if _is_plain(value) else encoder.default(value)
        for name, value in row.items()
    }


def _is_plain(value):
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def erase_cohort(cohort_id):
    """Delete every registered row that belongs to the cohort (its
    retention has ended); the cohort itself and its sessions stay."""
    counts = {}
    for entry in registered():
        if entry.cohort:
            with transaction.atomic():
                deleted, __ = entry.rows_of_cohort(cohort_id).delete()
            counts[entry.label] = deleted
    return counts


def registered():
    """Every app's ``PersonalData`` entries, in the order they erase."""
    return [
        entry
        for get_entries in hooks.get_hooks("register_personal_data")
        for entry in get_entries()
    ]
