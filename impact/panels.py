"""The impact plan in the page editor: 3 to 8 statements (or none, for a
course that measures no impact), then the open questions."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import InlinePanel, MultiFieldPanel

MIN_STATEMENTS = 3
MAX_STATEMENTS = 8


class StatementFormSet(BaseChildFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        if 0 < len(kept) < MIN_STATEMENTS:
            raise ValidationError(
                _("An impact plan has %(min)s to %(max)s statements.")
                % {"min": MIN_STATEMENTS, "max": MAX_STATEMENTS}
            )


class StatementsPanel(InlinePanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = StatementFormSet
        return options


def impact_plan_panels():
    """The impact plan, for the ``register_course_panels`` and
    ``register_cohort_panels`` hooks."""
    return [
        MultiFieldPanel(
            [
                StatementsPanel(
                    "impact_statements",
                    label=_("Statement"),
                    heading=_("Statements rated from 0 to 10"),
                    max_num=MAX_STATEMENTS,
                ),
                InlinePanel(
                    "impact_questions",
                    label=_("Open question"),
                    heading=_("Open questions"),
                ),
            ],
            heading=_("Impact plan"),
            help_text=_(
                "The same statements are asked before the first session, at "
                "the last one and some weeks after it. New cohorts copy the "
                "course's plan."
            ),
        )
    ]
