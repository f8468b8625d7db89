"""Enrolling a list of people from a CSV or Excel file, all or nothing.

Coordinators export their lists from Excel in Finnish, Swedish or English, so
column names and roles are understood in all three languages, and a CSV file
may be separated by commas or semicolons, with or without a byte order mark.
A file with any bad row enrols nobody: every problem is reported with the row
number the coordinator sees in their spreadsheet, so they can fix them all at
once. A good file is first only shown, with what importing it will do: its
people wait in the coordinator's session until they confirm it, once.
"""

import codecs
import csv
import dataclasses
import hashlib
import io
import os
import secrets
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils.crypto import constant_time_compare
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from . import audit
from .calendar.invites import reconcile
from .enrolment import (
    CohortChoiceField,
    people_for_emails,
    split_name,
    with_course_title,
)
from .models import CohortPage, Enrollment
from .permissions import cohorts_for_user, sync_trainer_access
from .welcome import welcomes

#: Most people one file may hold, far more than one cohort meets with. The
#: whole file is enrolled within one request, in bulk; the emails it causes
#: are only recorded there and sent by the worker.
MAX_ROWS = 500
#: Generous: a 500-row list is under 100 kB, but workbooks may carry styles.
MAX_FILE_SIZE = 10 * 1024 * 1024
EXTENSIONS = ["csv", "xlsx"]
#: Workbooks come from other organisations and are zip archives that can
#: unpack to far more than they weigh (a 1 MB file to 1 GB). Before anything
#: is unpacked, their parts may add up to this much unpacked; a 500-row list
#: with styles is well under 1 MB.
MAX_UNPACKED_SIZE = 5 * 1024 * 1024
MAX_PARTS = 500
#: Rows read from a sheet, empty ones included, and columns read per row.
MAX_SHEET_ROWS = 5_000
MAX_COLUMNS = 50
#: The longest cell: names, addresses and organisations are far shorter.
MAX_CELL_LENGTH = 1_000

#: Accepted column names in English, Finnish and Swedish (compared lowercased).
#: A person's name is in one column, or in two as HR systems export it.
COLUMNS = {
    "name": ["name", "full name", "nimi", "koko nimi", "namn", "fullständigt namn"],
    "first_name": [
        "first name",
        "firstname",
        "given name",
        "given names",
        "forename",
        "etunimi",
        "etunimet",
        "förnamn",
    ],
    "last_name": [
        "last name",
        "lastname",
        "surname",
        "family name",
        "sukunimi",
        "efternamn",
        "släktnamn",
    ],
    "email": [
        "email",
        "e-mail",
        "email address",
        "sähköposti",
        "sähköpostiosoite",
        "e-post",
        "e-postadress",
    ],
    "organisation": ["organisation", "organization", "organisaatio"],
    "role": ["role", "rooli", "roll"],
}
#: A column as a missing one is named to the coordinator: a heading that the
#: import accepts in their language.
COLUMN_LABELS = {
    "name": pgettext_lazy("import column", "name"),
    "first_name": pgettext_lazy("import column", "first name"),
    "last_name": pgettext_lazy("import column", "last name"),
    "email": pgettext_lazy("import column", "email"),
}

#: Role names in the three languages; an empty cell means participant.
ROLES = {
    "": Enrollment.Role.PARTICIPANT,
    "participant": Enrollment.Role.PARTICIPANT,
    "osallistuja": Enrollment.Role.PARTICIPANT,
    "deltagare": Enrollment.Role.PARTICIPANT,
    "trainer": Enrollment.Role.TRAINER,
    "valmentaja": Enrollment.Role.TRAINER,
    "tränare": Enrollment.Role.TRAINER,
}

#: What an import does to each person in the file, as ``enrol_people``
#: counts them: enrolled anew, enrolled again after being withdrawn (with
#: their earlier work), their role or organisation changed, or nothing.
ADDED, RESTORED, UPDATED, UNCHANGED = "added", "restored", "updated", "unchanged"
CHANGES = (ADDED, RESTORED, UPDATED, UNCHANGED)

#: Where a checked file waits in the coordinator's session for them to
#: confirm it, one file at a time, and for how long (seconds).
PENDING_KEY = "cohorts.import"
PENDING_MAX_AGE = 60 * 60

ORGANISATION_MAX_LENGTH = Enrollment._meta.get_field("organisation").max_length
EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True)
class Person:
    line: int
    email: str
    first_name: str
    last_name: str
    role: str
    organisation: str


@dataclass(frozen=True)
class Problem:
    message: str
    #: The spreadsheet row, or None when the problem is with the whole file.
    line: int | None = None


@dataclass(frozen=True)
class Pending:
    """A checked file waiting for the coordinator to confirm its import."""

    cohort_id: int
    file_name: str
    people: list


class UnreadableFile(Exception):
    pass


def read_people(file):
    """The people listed in an uploaded file, and the problems that stop it
    being imported; either list is empty."""
    try:
        rows = ((line, cells) for line, cells in _rows(file) if any(cells))
        header_line, header = next(rows, (None, None))
        if header is None:
            return [], [Problem(_("The file is empty."))]
        columns, problems = _columns(header, header_line)
        if problems:
            return [], problems
        data = []
        for row in rows:
            _check_cells(*row)
            data.append(row)
            if len(data) > MAX_ROWS:
                return [], [
                    Problem(
                        _(
                            "The file has more than %(max)s people. Split it into "
                            "files of at most %(max)s people and import them one "
                            "at a time."
                        )
                        % {"max": number_format(MAX_ROWS, force_grouping=True)}
                    )
                ]
    except UnreadableFile as error:
        return [], [Problem(str(error))]
    if not data:
        return [], [Problem(_("The file has column names but no people."))]
    return _people(data, columns)


def _check_cells(line, cells):
    if any(len(cell) > MAX_CELL_LENGTH for cell in cells):
        raise UnreadableFile(
            _(
                "A cell on row %(line)s is longer than %(max)s characters. "
                "Check that the file is a list of people."
            )
            % {"line": line, "max": number_format(MAX_CELL_LENGTH, force_grouping=True)}
        )


def _people(rows, columns):
    people, problems = [], []
    lines_by_email = defaultdict(list)
    for line, cells in rows:
        value = {
            column: cells[index] if index < len(cells) else ""
            for column, index in columns.items()
        }
        email, role = value["email"], value.get("role", "")
        if not email:
            problems.append(Problem(_("The email address is missing."), line))
        elif not _is_email(email):
            problems.append(
                Problem(
                    _("“%(email)s” is not a valid email address.") % {"email": email},
                    line,
                )
            )
        else:
            lines_by_email[email.lower()].append(line)
        if role.lower() not in ROLES:
            problems.append(
                Problem(
                    _(
                        "“%(role)s” is not a role. Use participant or trainer "
                        "(or leave it empty for a participant)."
                    )
                    % {"role": role},
                    line,
                )
            )
        organisation = value.get("organisation", "")
        if len(organisation) > ORGANISATION_MAX_LENGTH:
            problems.append(
                Problem(
                    _("The organisation is longer than %(max)s characters.")
                    % {"max": ORGANISATION_MAX_LENGTH},
                    line,
                )
            )
        if "first_name" in columns:
            first_name = " ".join(value["first_name"].split())
            last_name = " ".join(value["last_name"].split())
        else:
            first_name, last_name = split_name(value["name"])
        people.append(
            Person(
                line,
                email,
                first_name,
                last_name,
                ROLES.get(role.lower(), ""),
                organisation,
            )
        )
    for email, lines in lines_by_email.items():
        for line in lines if len(lines) > 1 else []:
            others = [str(other) for other in lines if other != line]
            problems.append(
                Problem(
                    ngettext(
                        "%(email)s is also on line %(lines)s.",
                        "%(email)s is also on lines %(lines)s.",
                        len(others),
                    )
                    % {"email": email, "lines": ", ".join(others)},
                    line,
                )
            )
    problems.sort(key=lambda problem: problem.line)
    return ([] if problems else people), problems


def _is_email(value):
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= EMAIL_MAX_LENGTH


def _column(heading):
    """Which of our columns a heading names, if any."""
    key = " ".join(heading.replace("\ufeff", "").lower().split()).strip(" :*")
    for column, names in COLUMNS.items():
        if key in names:
            return column
    return None


def _columns(header, line):
    """The cell index of each column the header names."""
    columns, problems = {}, []
    for index, heading in enumerate(header):
        column = _column(heading)
        if column in columns:
            problems.append(
                Problem(
                    _("There are two “%(heading)s” columns.") % {"heading": heading},
                    line,
                )
            )
        elif column:
            columns[column] = index
    if problem := _name_columns(columns):
        problems.append(Problem(problem, line))
    if "email" not in columns:
        problems.append(
            Problem(
                _(
                    "The first row has no “%(column)s” column. Accepted names "
                    "for it: %(names)s."
                )
                % {
                    "column": COLUMN_LABELS["email"],
                    "names": ", ".join(COLUMNS["email"]),
                },
                line,
            )
        )
    return columns, problems


def _name_columns(columns):
    """Leave in ``columns`` the one way the file gives names, first and last
    name columns before a full name one; or say what is missing."""
    first, last = "first_name" in columns, "last_name" in columns
    if first and last:
        columns.pop("name", None)
        return None
    columns.pop("first_name", None)
    columns.pop("last_name", None)
    if "name" in columns:
        return None
    names = {
        column: ", ".join(COLUMNS[column])
        for column in ("name", "first_name", "last_name")
    }
    labels = COLUMN_LABELS
    if first or last:
        has, lacks = (
            ("first_name", "last_name") if first else ("last_name", "first_name")
        )
        return _(
            "The first row has a “%(has)s” column but no “%(lacks)s” column. "
            "Add a “%(lacks)s” column (accepted names for it: %(names)s), or "
            "give the whole name in one “%(name)s” column instead."
        ) % {
            "has": labels[has],
            "lacks": labels[lacks],
            "names": names[lacks],
            "name": labels["name"],
        }
    return _(
        "The first row has no “%(name)s” column, nor “%(first_name)s” and "
        "“%(last_name)s” columns. Accepted names for the whole name: "
        "%(names)s. Or for the name in two columns: %(first_names)s; and "
        "%(last_names)s."
    ) % {
        "name": labels["name"],
        "first_name": labels["first_name"],
        "last_name": labels["last_name"],
        "names": names["name"],
        "first_names": names["first_name"],
        "last_names": names["last_name"],
    }


def _rows(file):
    """(row number, cells as stripped text) for each row of the file."""
    extension = os.path.splitext(file.name or "")[1].lower().lstrip(".")
    file.seek(0)
    if extension == "csv":
        return _csv_rows(file.read())
    if extension == "xlsx":
        return _xlsx_rows(file)
    raise UnreadableFile(_("Choose a CSV or Excel (.xlsx) file."))


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(data):
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        # A spreadsheet row is one CSV record, even when a cell holds a line
        # break, so rows are counted rather than taken from reader.line_num.
        return [
            (line, [_text(cell) for cell in cells])
            for line, cells in enumerate(reader, start=1)
        ]
    except csv.Error as error:
        raise UnreadableFile(
            _("The file could not be read as CSV: %(error)s") % {"error": error}
        ) from error


def _decode(data):
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]  # Excel's "Unicode text"
    else:
        # Excel's plain "CSV" on Finnish and Swedish Windows is Windows-1252.
        encodings = ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise UnreadableFile(
        _("The file is not a text file. Save it from Excel as “CSV UTF-8”.")
    )


def _delimiter(text):
    """The delimiter that makes the most of the first line into column names,
    or failing that the most common one there; a comma by default."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]

    def fit(delimiter):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        named = sum(1 for cell in cells if _column(cell))
        return named, first_line.count(delimiter)

    return max([",", ";", "\t"], key=fit)


def _check_archive(file):
    """Refuse a workbook whose parts would unpack to too much, reading only
    the archive's directory. zipfile stops unpacking a part at the size the
    directory gives, so a part that lies about its size fails to read."""
    unreadable = _("The file could not be read as an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableFile(unreadable) from error
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_SIZE:
        raise UnreadableFile(
            _(
                "The workbook is too large to import: unpacked it holds more than "
                "%(size)s. Copy the list of people into a new workbook, or save "
                "it as CSV, and import that."
            )
            % {"size": filesizeformat(MAX_UNPACKED_SIZE)}
        )
    file.seek(0)


def _xlsx_rows(file):
    import openpyxl

    _check_archive(file)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    # A damaged or mislabelled file fails in many ways inside openpyxl and
    # zipfile; to the coordinator they are all the same problem.
    except Exception as error:
        raise UnreadableFile(
            _("The file could not be read as an Excel workbook (.xlsx).")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        # Some programs write a wrong size into the file; read what is there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for line, cells in enumerate(rows, start=1):
            if line > MAX_SHEET_ROWS:
                raise UnreadableFile(
                    _(
                        "The first sheet has more than %(max)s rows, counting empty "
                        "ones. Copy the list of people into a new workbook and "
                        "import that."
                    )
                    % {"max": number_format(MAX_SHEET_ROWS, force_grouping=True)}
                )
            yield line, [_text(cell) for cell in cells]
    except UnreadableFile:
        raise
    except Exception as error:
        raise UnreadableFile(
            _("The file could not be read as an Excel workbook (.xlsx).")
        ) from error
    finally:
        workbook.close()


def kept_participants(cohort, people):
    """The problems of the rows that would make a participant with work in
    ``cohort`` (withdrawn or not) a trainer, as ``enrol`` refuses to."""
    trainers = {
        person.email.strip().lower(): person
        for person in people
        if person.role == Enrollment.Role.TRAINER
    }
    if not trainers:
        return []
    addresses = (
        cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT)
        .holding_work()
        .annotate(address=Lower("user__email"))
        .filter(address__in=list(trainers))
        .values_list("address", flat=True)
    )
    return sorted(
        (
            Problem(
                _(
                    "%(email)s already has work in this cohort as a participant "
                    "(reflections, attendance or survey answers), which would "
                    "drop out of the trainers' grid and the cohort's figures if "
                    "they became a trainer. Leave their role as participant, or "
                    "empty."
                )
                % {"email": trainers[address].email},
                trainers[address].line,
            )
            for address in addresses
        ),
        key=lambda problem: problem.line,
    )


def _enrolled(cohort, people):
    """The cohort's enrolments of ``people``'s addresses, withdrawn ones too,
    by lowercased address: only these are read, however many the cohort
    has."""
    addresses = {person.email.lower() for person in people}
    return {
        enrollment.address: enrollment
        for enrollment in cohort.enrollments.select_related("user")
        .annotate(address=Lower("user__email"))
        .filter(address__in=addresses)
    }


def _change(enrollment, person):
    """What enrolling ``person`` does to their ``enrollment`` in the cohort
    (None if they have none): one of CHANGES."""
    if enrollment is None:
        return ADDED
    if enrollment.withdrawn_at is not None:
        return RESTORED
    if _unchanged(enrollment, person):
        # Importing the same list again is common and should be cheap.
        return UNCHANGED
    return UPDATED


def changes(cohort, people, before=None):
    """(person, change) for each of ``people``: what ``enrol_people`` would
    do to them in ``cohort`` now (``before``: its enrolments, if read
    already). Nothing is written."""
    if before is None:
        before = _enrolled(cohort, people)
    return [
        (person, _change(before.get(person.email.lower()), person)) for person in people
    ]


def count_changes(changed):
    """How many of ``changed`` (as ``changes`` gives them) each change is."""
    counts = Counter(dict.fromkeys(CHANGES, 0))
    counts.update(change for person, change in changed)
    return counts


@transaction.atomic
def enrol_people(cohort, people):
    """Enrol everyone in ``cohort``, updating the role and organisation of
    people already in it and enrolling again, with their earlier work, those
    withdrawn from it (as ``enrol`` does); returns how many were added,
    enrolled again, updated and unchanged.

    In a fixed number of queries however many people there are: accounts and
    enrolments are written in bulk, without the per-person signals of
    ``enrol``, and then the cohort's trainer access, welcomes and calendar
    invites are brought up to date once for all of them (each only recorded:
    the worker makes and sends the emails).

    Two imports into one cohort run one after the other: the second finds
    everyone the first enrolled and changes nothing for them (a file
    confirmed twice is imported once: ``confirm_import``).

    A participant with work is not made a trainer: the file's form says
    which rows would, and here nothing is enrolled (``ValidationError``)."""
    _lock(cohort)
    if refused := kept_participants(cohort, people):
        raise ValidationError([problem.message for problem in refused])
    before = _enrolled(cohort, people)
    planned = changes(cohort, people, before)
    counts = count_changes(planned)
    changed = [person for person, change in planned if change != UNCHANGED]
    users = people_for_emails(
        (person.email, person.first_name, person.last_name) for person in changed
    )
    enrolled = {enrollment.user_id: enrollment for enrollment in before.values()}
    new, updated, restored, trainers_changed = [], [], [], False
    for person in changed:
        user = users[person.email.strip().lower()]
        enrollment = enrolled.get(user.pk)
        if enrollment is not None and enrollment.withdrawn_at is not None:
            # The same row again, so that their reflections and attendance
            # are theirs again; their calendar gets the sessions back below.
            trainers_changed |= Enrollment.Role.TRAINER in (
                enrollment.role,
                person.role,
            )
            enrollment.enrol_again(person.role, person.organisation)
            restored.append(enrollment)
        elif enrollment is None:
            new.append(
                Enrollment(
                    cohort=cohort,
                    user=user,
                    role=person.role,
                    organisation=person.organisation,
                )
            )
            trainers_changed |= person.role == Enrollment.Role.TRAINER
        elif not _unchanged(enrollment, person):
            trainers_changed |= Enrollment.Role.TRAINER in (
                enrollment.role,
                person.role,
            )
            enrollment.role = person.role
            enrollment.organisation = person.organisation or enrollment.organisation
            updated.append(enrollment)
    Enrollment.objects.bulk_create(new)
    Enrollment.objects.bulk_update(updated, ["role", "organisation"])
    Enrollment.objects.bulk_update(
        restored,
        ["role", "organisation", "withdrawn_at", "withdrawn_by", "placement"],
    )
    audit.log_restored(restored)
    if trainers_changed:
        sync_trainer_access(cohort)
    if new:
        new = list(
            Enrollment.objects.filter(
                cohort=cohort, user__in=[enrollment.user for enrollment in new]
            ).select_related("user")
        )
    if new or restored:
        # A welcome for each, newcomer or enrolled again (a new placement,
        # whose welcome has a key of its own: ``welcome.welcome_key``).
        live = CohortPage.objects.filter(pk=cohort.pk, live=True).exists()
        reconcile(
            cohort.pk,
            {enrollment.user_id for enrollment in [*new, *restored]},
            also=welcomes([*new, *restored]) if live else [],
        )
    return counts


def _lock(cohort):
    """Lock ``cohort``'s row until the transaction ends, so that imports
    into it run one after the other."""
    if not CohortPage.objects.select_for_update().filter(pk=cohort.pk).exists():
        # Deleted since the coordinator chose it.
        raise ValidationError(_("The cohort no longer exists."))


@transaction.atomic
def confirm_import(token, cohort, imported, user):
    """Import ``imported``, the ``Pending`` import that ``token`` confirms,
    into ``cohort`` and log it, once: returns its counts, and whether it was
    imported now (False: by an earlier confirmation of the same token).

    Two confirmations at once (a double click, two tabs of the preview) may
    both find it in the session, which each request reads when it begins.
    The log decides: the second waits for the cohort's lock, finds the
    first's entry, and changes nothing, logs nothing, emails nobody."""
    _lock(cohort)
    key = confirmation_key(token)
    if (done := audit.logged_import(key, cohort_id=cohort.pk)) is not None:
        return imported_counts(done), False
    counts = enrol_people(cohort, imported.people)
    audit.log_import(
        cohort, user, imported.file_name, len(imported.people), counts, key
    )
    return counts, True


def confirmation_key(token):
    """What the log keeps of the token that confirmed an import, to know
    it again: a hash, so that the log holds no token."""
    return hashlib.sha256(str(token).encode()).hexdigest()


def imported_counts(entry):
    """The counts of the import logged as ``entry``, as ``enrol_people``
    returned them."""
    return Counter({change: entry.data.get(change, 0) for change in CHANGES})


def _unchanged(enrollment, person):
    """Whether enrolling ``person`` again would change nothing: their role
    and organisation, where the list gives one (an empty cell keeps the one
    stored, as enrolling again does). (The name in the list is only for a new
    account: an existing one keeps its own.)"""
    return enrollment.role == person.role and person.organisation in (
        "",
        enrollment.organisation,
    )


def describe(counts):
    """'12 people added, 3 updated', leaving out the numbers that are zero."""
    added, updated, unchanged = counts["added"], counts["updated"], counts["unchanged"]
    restored = counts.get("restored", 0)
    parts = [
        (added, ngettext("%(count)s person added", "%(count)s people added", added)),
        (
            restored,
            ngettext(
                "%(count)s person enrolled again",
                "%(count)s people enrolled again",
                restored,
            ),
        ),
        (updated, ngettext("%(count)s updated", "%(count)s updated", updated)),
        (unchanged, ngettext("%(count)s unchanged", "%(count)s unchanged", unchanged)),
    ]
    return ", ".join(part % {"count": count} for count, part in parts if count)


def keep_pending(session, cohort, file_name, people):
    """Keep the people read from a file in the coordinator's session, in
    place of any file kept before, until they confirm its import into
    ``cohort``; returns the one-time token that confirms it. Only the token
    goes to the browser: what is imported, and where, stays here."""
    token = secrets.token_urlsafe(24)
    session[PENDING_KEY] = {
        "token": token,
        "cohort": cohort.pk,
        "file": file_name,
        "at": time.time(),
        "people": [dataclasses.astuple(person) for person in people],
    }
    return token


def pending(session, token):
    """The ``Pending`` import that ``token`` confirms, or None when there is
    none: already imported, replaced by another file, too old, or never."""
    kept = session.get(PENDING_KEY)
    if not kept:
        return None
    if not 0 <= time.time() - kept["at"] <= PENDING_MAX_AGE:
        # Too old, whichever token came: it leaves the session.
        del session[PENDING_KEY]
        return None
    if not constant_time_compare(kept["token"], str(token)):
        return None
    people = [Person(*fields) for fields in kept["people"]]
    return Pending(kept["cohort"], kept["file"], people)


def forget_pending(session):
    """A confirmed (or refused) import cannot be confirmed again."""
    session.pop(PENDING_KEY, None)


def foresee(counts, live):
    """What confirming an import will do, a sentence for each kind of
    change that is not zero, and who is emailed when."""
    added, restored = counts[ADDED], counts[RESTORED]
    updated, unchanged = counts[UPDATED], counts[UNCHANGED]
    lines = [
        (
            added,
            ngettext(
                "%(count)s new person will be enrolled.",
                "%(count)s new people will be enrolled.",
                added,
            ),
        ),
        (
            restored,
            ngettext(
                "%(count)s person withdrawn earlier will be enrolled again, "
                "with their earlier work.",
                "%(count)s people withdrawn earlier will be enrolled again, "
                "with their earlier work.",
                restored,
            ),
        ),
        (
            updated,
            ngettext(
                "%(count)s person already enrolled will have their role or "
                "organisation changed.",
                "%(count)s people already enrolled will have their role or "
                "organisation changed.",
                updated,
            ),
        ),
        (
            unchanged,
            ngettext(
                "%(count)s person is already enrolled as listed and stays as they are.",
                "%(count)s people are already enrolled as listed and stay as they are.",
                unchanged,
            ),
        ),
    ]
    sentences = [line % {"count": count} for count, line in lines if count]
    if emailed := added + restored:
        if live:
            sentence = ngettext(
                "%(count)s person will be emailed at once: a welcome and the "
                "invitations to the sessions. Emails cannot be recalled.",
                "%(count)s people will be emailed at once: a welcome and the "
                "invitations to the sessions. Emails cannot be recalled.",
                emailed,
            )
        else:
            sentence = ngettext(
                "The cohort is a draft: %(count)s person will be emailed a "
                "welcome and the invitations to the sessions when it is "
                "published.",
                "The cohort is a draft: %(count)s people will be emailed a "
                "welcome and the invitations to the sessions when it is "
                "published.",
                emailed,
            )
        sentences.append(sentence % {"count": emailed})
    return sentences


def confirm_label(counts, live):
    """The button that confirms an import says what it does, with the
    count; None when the import would change nothing."""
    if emailed := counts[ADDED] + counts[RESTORED]:
        if live:
            label = ngettext(
                "Enrol %(count)s person and email them",
                "Enrol %(count)s people and email them",
                emailed,
            )
        else:
            label = ngettext(
                "Enrol %(count)s person", "Enrol %(count)s people", emailed
            )
        return label % {"count": emailed}
    if updated := counts[UPDATED]:
        return ngettext(
            "Update %(count)s person", "Update %(count)s people", updated
        ) % {"count": updated}
    return None


class ImportForm(forms.Form):
    """Chooses a cohort and a file; valid only when every row of the file is."""

    cohort = CohortChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=None,
        # Many people are emailed at the press of one button: say so first.
        help_text=gettext_lazy(
            "Everyone in the file is emailed a welcome and the invitations to "
            "the sessions as soon as they are imported into a published "
            "cohort, or when a draft cohort is published."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        validators=[FileExtensionValidator(EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=gettext_lazy(
            "A CSV or Excel (.xlsx) file whose first row names the columns: name "
            "(or first name and last name), email, organisation and role (in "
            "English, Finnish or Swedish). The role is participant or trainer; "
            "empty means participant. An empty organisation keeps the one "
            "already stored. Only the first sheet of a workbook is read. You "
            "see who will be enrolled before anyone is, or is emailed."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = with_course_title(
            cohorts_for_user(user).order_by("title")
        )
        self.people, self.problems = [], []

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_SIZE:
            raise ValidationError(
                _("The file is larger than %(size)s.")
                % {"size": filesizeformat(MAX_FILE_SIZE)}
            )
        self.people, self.problems = read_people(file)
        if self.problems:
            raise ValidationError(self.refusal())
        return file

    def clean(self):
        cleaned_data = super().clean()
        # The rows that are wrong for this cohort, once every row is readable.
        if (cohort := cleaned_data.get("cohort")) and self.people:
            self.problems = kept_participants(cohort, self.people)
            if self.problems:
                self.people = []
                self.add_error("file", self.refusal())
        return cleaned_data

    def refusal(self):
        return ngettext(
            "The file has a problem, so nobody was imported.",
            "The file has %(count)s problems, so nobody was imported.",
            len(self.problems),
        ) % {"count": len(self.problems)}
