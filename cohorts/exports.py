"""Spreadsheet exports of the training's admin, logged."""

from courses.exports import SafeExportMixin

from .audit import log_export
from .models import CohortPage


class SafeSpreadsheetExportMixin(SafeExportMixin):
    """``courses.exports.SafeExportMixin`` (no formulas, the reader's
    language and local time, streamed), and every export is logged (who,
    what, with which filters, how many rows), with the cohort it is about
    when it is about one: the view's ``cohort``, or the one cohort all rows
    belong to through ``export_cohort_path``."""

    #: The lookup from an exported row to its cohort, if rows have one.
    export_cohort_path = None

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
