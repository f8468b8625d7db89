"""Spreadsheet exports that participants' text cannot turn into formulas."""

from django.utils import translation

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
    Wagtail writes its rows (every text cell is a string cell, never a
    formula); CSV has no cell types, so formula-like text gets an apostrophe.
    So do headings in both, which Wagtail writes as plain values: they can be
    titles of sessions and experiments that trainers typed.

    CSV is streamed after the view has returned and the admin has put back
    the site's language: its rows are made in the user's language here."""

    def stream_csv(self, queryset):
        return in_language(super().stream_csv(queryset), translation.get_language())

    def get_heading(self, queryset, field):
        return neutralise(super().get_heading(queryset, field))

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV:
            return neutralise(value)
        return value
