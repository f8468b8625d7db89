"""Spreadsheet exports that participants' text cannot turn into formulas."""

import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from . import xlsx
from .audit import log_export
from .models import CohortPage

#: What a spreadsheet program takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that opens as text: a leading apostrophe, as OWASP
    advises, where the text would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def in_language(lines, language):
    """Yield ``lines`` with ``language`` active while each is made."""
    lines = iter(lines)
    while True:
        with translation.override(language):
            line = next(lines, None)
        if line is None:
            return
        yield line


class SafeSpreadsheetExportMixin:
    """For views with Wagtail's ``SpreadsheetExportMixin``. XLSX is safe as
    ``cohorts.xlsx`` writes it (every text cell is a string cell, never a
    formula); CSV has no cell types, so formula-like text gets an apostrophe.
    So do headings in both: they can be titles of sessions and experiments
    that trainers typed.

    Both are streamed, row by row, after the view has returned and the admin
    has put back the site's language: their rows are made in the user's
    language here.

    Every export is logged (who, what, with which filters, how many rows),
    with the cohort it is about when it is about one: the view's ``cohort``,
    or the one cohort all rows belong to through ``export_cohort_path``."""

    #: The lookup from an exported row to its cohort, if rows have one.
    export_cohort_path = None

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

    def as_spreadsheet(self, queryset, spreadsheet_format):
        response = super().as_spreadsheet(queryset, spreadsheet_format)
        subtitle = self.get_page_subtitle()
        title = str(self.get_page_title())
        cohort_id = self.export_cohort_id(queryset)
        log_export(
            self.request.user,
            self.export_log_object(cohort_id),
            f"{title}: {subtitle}" if subtitle else title,
            spreadsheet_format,
            len(queryset) if isinstance(queryset, list) else queryset.count(),
            {
                key: ", ".join(values)
                for key, values in self.request.GET.lists()
                if key != "export"
            },
            cohort_id=cohort_id,
        )
        return response

    def export_log_object(self, cohort_id):
        """What the export is logged against: its cohort or course, else
        (several cohorts' listing) the person who made it."""
        if about := getattr(self, "cohort", None) or getattr(self, "course", None):
            return about
        if cohort_id:
            return CohortPage.objects.get(pk=cohort_id)
        return self.request.user

    def export_cohort_id(self, rows):
        if cohort := getattr(self, "cohort", None):
            return cohort.pk
        if self.export_cohort_path and hasattr(rows, "values_list"):
            ids = list(
                rows.order_by()
                .values_list(self.export_cohort_path, flat=True)
                .distinct()[:2]
            )
            if len(ids) == 1:
                return ids[0]
        return None

    def stream_csv(self, queryset):
        return in_language(super().stream_csv(queryset), translation.get_language())

    def write_xlsx_response(self, queryset):
        """The workbook sent as it is written, instead of openpyxl's built
        whole first (see ``cohorts.xlsx``)."""
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
        if export_format == self.FORMAT_CSV:
            return neutralise(value)
        return value
