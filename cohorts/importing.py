"""Enrolling a list of people from a CSV or Excel file, all or nothing.

Coordinators export their lists from Excel in Finnish, Swedish or English, so
column names and roles are understood in all three languages, and a CSV file
may be separated by commas or semicolons, with or without a byte order mark.
A file with any bad row enrols nobody: every problem is reported with the row
number the coordinator sees in their spreadsheet, so they can fix them all at
once.
"""

import codecs
import csv
import io
import os
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
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
COLUMNS = {
    "name": ["name", "full name", "nimi", "koko nimi", "namn", "fullständigt namn"],
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
REQUIRED_COLUMNS = ["name", "email"]
#: A column as a missing one is named to the coordinator: a heading that the
#: import accepts in their language.
COLUMN_LABELS = {
    "name": pgettext_lazy("import column", "name"),
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
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(
                Problem(
                    _(
                        "The first row has no “%(column)s” column. Accepted names "
                        "for it: %(names)s."
                    )
                    % {
                        "column": COLUMN_LABELS[column],
                        "names": ", ".join(COLUMNS[column]),
                    },
                    line,
                )
            )
    return columns, problems


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

    A participant with work is not made a trainer: the file's form says
    which rows would, and here nothing is enrolled (``ValidationError``)."""
    if refused := kept_participants(cohort, people):
        raise ValidationError([problem.message for problem in refused])
    before = {
        enrollment.user.email.lower(): enrollment
        for enrollment in cohort.enrollments.select_related("user")
    }
    counts = Counter(added=0, restored=0, updated=0, unchanged=0)
    changed = []
    for person in people:
        old = before.get(person.email.lower())
        if old is None:
            counts["added"] += 1
            changed.append(person)
        elif old.withdrawn_at is not None:
            counts["restored"] += 1
            changed.append(person)
        elif _unchanged(old, person):
            # Importing the same list again is common and should be cheap.
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
            changed.append(person)
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
        restored, ["role", "organisation", "withdrawn_at", "withdrawn_by"]
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
        # A welcome for each, newcomer or enrolled again: one already sent
        # (its key is the enrolment's) is not sent again, and one withdrawn
        # before the cohort was published never had theirs.
        live = CohortPage.objects.filter(pk=cohort.pk, live=True).exists()
        reconcile(
            cohort.pk,
            {enrollment.user_id for enrollment in [*new, *restored]},
            also=welcomes([*new, *restored]) if live else [],
        )
    return counts


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
            "A CSV or Excel (.xlsx) file whose first row names the columns: name, "
            "email, organisation and role (in English, Finnish or Swedish). The "
            "role is participant or trainer; empty means participant. An empty "
            "organisation keeps the one already stored. Only the first sheet of "
            "a workbook is read."
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

    def save(self):
        return enrol_people(self.cleaned_data["cohort"], self.people)
