"""Spreadsheet exports that participants' text cannot turn into formulas,
in the reader's language and local time, for any admin listing of the apps
(the privacy officer's access log as well as the training's listings)."""

import codecs
import csv
import datetime
import decimal

from django.http import StreamingHttpResponse
from django.utils import numberformat, timezone, translation
from django.utils.formats import date_format, get_format
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext
from wagtail.admin.views.mixins import Echo, SpreadsheetExportMixin

from . import xlsx

#: What a spreadsheet program takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that opens as text: a leading apostrophe, as OWASP
    advises, where the text would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_number(value):
    """A decimal as the active language writes it ("3,5" in Finnish and
    Swedish, "3.5" in English), without grouping its thousands."""
    return str(numberformat.format(value, get_format("DECIMAL_SEPARATOR")))


def csv_delimiter():
    """The active language's CSV delimiter: a semicolon where a decimal is
    written with a comma, as Windows sets the list separator that Excel
    splits a CSV file at (";" in Finland and Sweden), else a comma."""
    return ";" if get_format("DECIMAL_SEPARATOR") == "," else ","


def in_language(lines, language):
    """Yield ``lines`` with ``language`` active while each is made."""
    lines = iter(lines)
    while True:
        with translation.override(language):
            line = next(lines, None)
        if line is None:
            return
        yield line


class SafeExportMixin:
    """For views with Wagtail's ``SpreadsheetExportMixin``. XLSX is safe as
    ``courses.xlsx`` writes it (every text cell is a string cell, never a
    formula); CSV has no cell types, so formula-like text gets an apostrophe.
    So do headings in both: they can be titles of sessions and experiments
    that trainers typed.

    Both are streamed, row by row, after the view has returned and the admin
    has put back the site's language: their rows are made in the user's
    language here.

    A CSV is written for the spreadsheet program of the reader's language,
    which opens it on a double click with the regional settings of Windows:
    in Finnish and Swedish as Excel in Finland saves a "CSV UTF-8" itself
    (semicolons between cells, decimal commas, and a byte order mark, without
    which Excel reads UTF-8 as Windows-1252), which ``cohorts.importing``
    reads back; in English as Wagtail writes it (RFC 4180, decimal points).
    Numbers are never text there: XLSX has them as numbers."""

    def dated_filename(self, what, *parts):
        """'framsteg-ryhma-a-2026-12-07': what the file holds (``what``, in
        the reader's language, put in letters any system takes), ``parts``
        as given (a page's slug), and today's date in local time."""
        return "-".join(
            [str(slugify(what)), *parts, f"{timezone.localdate():%Y-%m-%d}"]
        )

    #: Times in local time, not Wagtail's UTC: a date-time cell in XLSX, and
    #: in CSV as the pages write it ("16.3.2027 9.00"); yes and no in words.
    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        datetime.datetime: {
            "xlsx": lambda value: (
                timezone.make_naive(value) if timezone.is_aware(value) else value
            ),
            "csv": lambda value: date_format(
                timezone.localtime(value), "SHORT_DATETIME_FORMAT"
            ),
        },
        bool: {"csv": lambda value: gettext("Yes") if value else gettext("No")},
    }

    def stream_csv(self, queryset):
        return in_language(self.csv_lines(queryset), translation.get_language())

    def csv_lines(self, queryset):
        """Wagtail's ``stream_csv``, with the delimiter (and for a semicolon
        the byte order mark) of the active language."""
        delimiter = csv_delimiter()
        writer = csv.DictWriter(
            Echo(), fieldnames=self.list_export, delimiter=delimiter
        )
        heading = writer.writerow(
            {field: self.get_heading(queryset, field) for field in self.list_export}
        )
        yield codecs.BOM_UTF8 + heading if delimiter == ";" else heading
        for item in queryset:
            yield self.write_csv_row(writer, self.to_row_dict(item))

    def write_xlsx_response(self, queryset):
        """The workbook sent as it is written, instead of openpyxl's built
        whole first (see ``courses.xlsx``)."""
        filename = self.get_filename()
        headings = [self.get_heading(queryset, field) for field in self.list_export]
        # Each cell under its heading, as the CSV writer puts it, whatever
        # order ``to_row_dict`` made the row in.
        rows = (
            [
                self.preprocess_field_value(field, row.get(field), self.FORMAT_XLSX)
                for field in self.list_export
            ]
            for row in map(self.to_row_dict, queryset)
        )
        response = StreamingHttpResponse(
            in_language(
                xlsx.stream_xlsx(headings, rows, filename),
                translation.get_language(),
            ),
            content_type=xlsx.CONTENT_TYPE,
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"{filename}.xlsx"
        )
        return response

    def get_heading(self, queryset, field):
        return neutralise(super().get_heading(queryset, field))

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if export_format != self.FORMAT_CSV:
            return value
        if isinstance(value, (float, decimal.Decimal)):
            # Written here, not typed: "-0,4" is a number, not a formula.
            return local_number(value)
        return neutralise(value)


class ModelListingExportMixin(SafeExportMixin):
    """For a model's admin listing (a viewset's ``IndexView``): the file is
    named for what it holds, in the reader's language, and a choice is
    written by its name, not the value stored."""

    def get_filename(self):
        """'anmalningar-2026-12-07': what the listing holds, in the reader's
        language and letters any system takes, not the table's name."""
        return self.dated_filename(self.model._meta.verbose_name_plural)

    @cached_property
    def choice_fields(self):
        """The model's fields of choices, by name (read once for an export,
        not for every row)."""
        return {f.name for f in self.model._meta.concrete_fields if f.choices}

    def to_row_dict(self, item):
        """A choice by its name in the reader's language ("Osallistuja"),
        not the value stored ("participant")."""
        row = super().to_row_dict(item)
        for name in self.choice_fields.intersection(row):
            row[name] = getattr(item, f"get_{name}_display")()
        return row
