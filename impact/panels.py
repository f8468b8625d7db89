"""The impact plan in the page editor: 3 to 8 statements (or none, for a
course that measures no impact), then the open questions; and the
commissioner's panel on the admin dashboard."""

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import InlinePanel, MultiFieldPanel
from wagtail.admin.ui.components import Component

from courses.models import CoursePage
from courses.permissions import is_commissioner

from .models import CohortStatement

MIN_STATEMENTS = 3
MAX_STATEMENTS = 8


class StatementFormSet(BaseChildFormSet):
    def clean(self):
        super().clean()
        # The forms saved: those the form began with (a new cohort's are
        # the course's, unsaved) and those filled in, less those deleted.
        kept = [
            form
            for index, form in enumerate(self.forms)
            if index < self.initial_form_count() or form.has_changed()
            if not (self.can_delete and self._should_delete_form(form))
        ]
        self.keep_rated_statements()
        if 0 < len(kept) < MIN_STATEMENTS:
            raise ValidationError(
                _("An impact plan has %(min)s to %(max)s statements.")
                % {"min": MIN_STATEMENTS, "max": MAX_STATEMENTS}
            )

    def keep_rated_statements(self):
        """A cohort's statement that has been rated stays: the report compares
        the waves statement by statement, and the ratings would go with it."""
        removed = [
            form.instance.pk
            for form in self.forms
            if form.instance.pk and self.can_delete and self._should_delete_form(form)
        ]
        if not removed or self.model is not CohortStatement:
            return
        rated = (
            CohortStatement.objects.filter(pk__in=removed)
            .annotate(count=Count("ratings"))
            .filter(count__gt=0)
        )
        errors = [
            ValidationError(
                ngettext(
                    "“%(statement)s” has been rated in %(count)s answer, so it "
                    "stays in the plan: the report compares the waves statement "
                    "by statement.",
                    "“%(statement)s” has been rated in %(count)s answers, so it "
                    "stays in the plan: the report compares the waves statement "
                    "by statement.",
                    statement.count,
                )
                % {"statement": statement.text, "count": statement.count}
            )
            for statement in rated
        ]
        if errors:
            raise ValidationError(errors)


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


class CourseFiguresPanel(Component):
    """On a commissioner's dashboard: the courses they commissioned, each
    with its overview and impact report (commissioners edit no pages, so the
    page tree and its buttons do not lead them there)."""

    name = "course_figures"
    template_name = "impact/admin/course_figures_panel.html"
    order = 40

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        if not is_commissioner(user):
            return {"commissioner": False}
        return {
            "commissioner": True,
            "courses": [
                (
                    course,
                    reverse("courses:overview", args=[course.pk]),
                    reverse("courses:impact", args=[course.pk]),
                )
                # Unpublished too: the figures stay theirs to read.
                for course in CoursePage.objects.filter(commissioners=user).order_by(
                    "title"
                )
            ],
        }
