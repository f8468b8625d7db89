"""The course overview in the admin, the commissioner's report of a course:
its cohorts side by side (people enrolled, attendance per session,
experiments done, reflections awaiting feedback), in a fixed number of
queries however many people they have. A cohort of too few people to tell
one from another (``cohorts.disclosure``) shows these figures only to
those who follow its people, who see their names anyway."""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Concat
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import (
    gettext,
    ngettext,
    ngettext_lazy,
    pgettext,
    pgettext_lazy,
)
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from cohorts.attendance import not_marked, present_and_marked
from cohorts.conf import smallest_group
from cohorts.disclosure import too_few
from cohorts.exports import SafeSpreadsheetExportMixin
from cohorts.models import CohortPage, Enrollment, Session
from cohorts.permissions import cohorts_for_user
from cohorts.views import CohortIndexView, page_buttons, report_urls
from courses.models import CoursePage
from courses.permissions import reads_course_figures
from courses.views import listing_crumb, page_crumb
from outbox.listing import counted

from . import choosing
from .models import Reflection


@dataclass
class SessionFigures:
    session: Session
    present: int = 0
    #: Participants marked present, absent or excused.
    marked: int = 0
    #: Whether its figures are hidden from the reader: with the cohort's, or
    #: marked for too few people to tell one from another
    #: (``CourseOverviewView.with_figures``).
    hidden: bool = False


@dataclass
class CohortFigures:
    participants: int
    #: Participants withdrawn from the cohort, counted apart: the figures
    #: below are about those still in it.
    withdrawn: int = 0
    sessions: list = field(default_factory=list)
    #: Experiments each participant is asked to do: one per gap between
    #: sessions, however many options the gap offers.
    experiments: int = 0
    #: Of those, the experiments whose reflections are due by now.
    due: int = 0
    #: Reflections submitted by the cohort's participants.
    submitted: int = 0
    #: Gaps where a participant submitted a reflection, summed over them:
    #: one who wrote about two options of a gap did it once.
    done: int = 0
    #: Reflections submitted and not yet given feedback: never more than
    #: ``submitted``.
    awaiting_feedback: int = 0
    #: Whether the figures of what its people did are hidden from the
    #: reader (``CourseOverviewView.hides``).
    hidden: bool = False

    def session(self, number):
        """The SessionFigures of session ``number`` (from 1), or None."""
        if number > len(self.sessions):
            return None
        return self.sessions[number - 1]

    def attendance_percent(self, number):
        """Participants present at session ``number`` (from 1) in percent of
        those marked for it, or None while nobody is. Those not marked yet
        (``not_marked``) are not counted absent: a trainer may mark a
        session in parts."""
        figures = self.session(number)
        if figures is None or not figures.marked:
            return None
        return round(100 * figures.present / figures.marked)

    def not_marked(self, number):
        """Participants not marked for session ``number`` (from 1) yet."""
        figures = self.session(number)
        if figures is None:
            return None
        return not_marked(self.participants, figures.marked)

    @property
    def experiments_done(self):
        """Gaps done (a reflection submitted) per participant; None while no
        experiment is due and nobody has done one, so that a cohort that has
        not started does not read as one where nobody did anything."""
        if not self.due and not self.done:
            return None
        if not self.participants:
            return 0.0
        return round(self.done / self.participants, 1)


def figures(cohorts, now=None):
    """{cohort id: CohortFigures} for ``cohorts`` annotated with
    ``participant_count``, attendance at the sessions held and experiments
    due by ``now``. Four queries.

    A gap between sessions that offers several experiments (``choosing``)
    asks each participant for one of them: it counts once, and so does a
    participant who wrote about more than one of its options."""
    now = now or timezone.now()
    ids = [cohort.pk for cohort in cohorts]
    result = {
        cohort.pk: CohortFigures(cohort.participant_count, cohort.withdrawn_count)
        for cohort in cohorts
    }
    sessions = {}
    for session in Session.objects.filter(page__in=ids).order_by("page", "sort_order"):
        figures_ = SessionFigures(session)
        sessions[session.pk] = figures_
        result[session.page_id].sessions.append(figures_)
    for session_id, present, marked in present_and_marked(
        "session_id", now, session__in=list(sessions)
    ):
        sessions[session_id].present = present
        sessions[session_id].marked = marked
    for cohort_id, gaps in choosing.gaps_by_cohort(
        ids,
        {pk: [figures_.session for figures_ in result[pk].sessions] for pk in ids},
        now,
    ).items():
        result[cohort_id].experiments = len(gaps)
        result[cohort_id].due = sum(gaps.values())
    # An erased author is no longer among the participants, nor is what
    # they did.
    submitted = Q(status=Reflection.Status.SUBMITTED, author__isnull=False)
    author_and_gap = Concat(
        Cast("author_id", CharField()),
        Value(":"),
        Cast("experiment__after_session", CharField()),
        output_field=CharField(),
    )
    for cohort_id, count, done, awaiting in (
        Reflection.objects.filter(
            experiment__cohort__in=ids, author__withdrawn_at__isnull=True
        )
        .values("experiment__cohort_id")
        .annotate(
            count=Count("pk", filter=submitted),
            done=Count(author_and_gap, distinct=True, filter=submitted),
            awaiting=Count("pk", filter=submitted & Q(feedback_at__isnull=True)),
        )
        .values_list("experiment__cohort_id", "count", "done", "awaiting")
        .order_by()
    ):
        result[cohort_id].submitted = count
        result[cohort_id].done = done
        result[cohort_id].awaiting_feedback = awaiting
    return result


class ReportColumn(Column):
    """A column of a report that scrolls sideways in its own box."""

    class Media:
        css = {"all": ["assignments/admin/progress.css"]}


class CohortColumn(ReportColumn, TitleColumn):
    """The cohort's name, kept in view while the report scrolls sideways;
    a draft (a copy not yet published keeps its original's name) says so."""

    def get_value(self, instance):
        title = super().get_value(instance)
        if instance.live:
            return title
        return f"{title} ({gettext('draft')})"


def hidden():
    """What a hidden figure reads, as in the impact report: with the
    smallest group the site is set to show."""
    smallest = smallest_group()
    return ngettext(
        "hidden (fewer than %(count)s person)",
        "hidden (fewer than %(count)s people)",
        smallest,
    ) % {"count": smallest}


class FigureColumn(ReportColumn):
    """A figure of what a cohort's people did, unless it is hidden; ``none``
    says why a figure is missing (None)."""

    def __init__(self, name, none="", **kwargs):
        super().__init__(name, **kwargs)
        self.none = none

    def get_value(self, instance):
        if instance.figures.hidden:
            return hidden()
        value = super().get_value(instance)
        return self.none if value is None else value


class AttendanceColumn(ReportColumn):
    """Participants present at a session of the given number, of those
    marked; where some are not marked yet, how many, on a line of its own."""

    cell_template_name = "assignments/admin/overview_attendance_cell.html"

    def __init__(self, number, **kwargs):
        super().__init__(
            f"session-{number}",
            label=gettext("Session %(number)s attendance") % {"number": number},
            accessor=lambda cohort: (
                cohort.figures.sessions[number - 1]
                if number <= len(cohort.figures.sessions)
                else None
            ),
            **kwargs,
        )
        self.number = number

    def get_value(self, instance):
        session = super().get_value(instance)
        if session is None:
            return ""
        if session.hidden:
            return hidden()
        percent = instance.figures.attendance_percent(self.number)
        if percent is None:
            return gettext("Not marked")
        return gettext("%(present)s / %(participants)s (%(percent)s %%)") % {
            "present": session.present,
            "participants": session.marked,
            "percent": percent,
        }

    def not_marked(self, instance):
        """How many are not marked yet, in words, where others are."""
        figures = instance.figures
        # Hidden with the cohort's figures too (``with_figures``).
        if figures.attendance_percent(self.number) is None:
            return ""
        if figures.session(self.number).hidden:
            return ""
        count = figures.not_marked(self.number)
        if not count:
            return ""
        return ngettext("%(count)s not marked", "%(count)s not marked", count) % {
            "count": count
        }

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["not_marked"] = self.not_marked(instance)
        return context


class CourseOverviewView(SafeSpreadsheetExportMixin, ReportView):
    """A course's cohorts side by side: who enrolled, who came, what they
    did and what awaits feedback. For coordinators and commissioners alone
    (``reads_course_figures``): 404 for anyone else."""

    page_title = _("Course overview")
    header_icon = "table"
    results_template_name = "assignments/admin/overview_results.html"
    paginator_class = counted(
        ngettext_lazy("%(count)s cohort", "%(count)s cohorts", "count")
    )
    paginate_by = 50
    default_ordering = "title"
    index_url_name = None
    index_results_url_name = None
    progress_url_name = "cohorts:progress"
    #: A cohort's figures without its people, where an app provides them:
    #: the impact report, which opens for whoever reads the course's figures
    #: (``reads_course_figures``), as this overview does.
    figures_url_name = "cohorts:impact"
    #: Whether a cohort's figures are hidden on this page (``hides``): the
    #: page says why.
    hides_figures = False

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.course = get_object_or_404(CoursePage, pk=kwargs["pk"])
        if not reads_course_figures(request.user, self.course):
            raise Http404

    def get_page_subtitle(self):
        return self.course.title

    def get_breadcrumbs_items(self):
        # Commissioners may open neither the listing nor the editor: for
        # them the course's place is named, not linked.
        user = self.request.user
        return self.breadcrumbs_items + [
            listing_crumb(user, "courses:index", _("Courses")),
            page_crumb(user, self.course),
            {"url": "", "label": self.get_page_title()},
        ]

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.course.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.course.pk])

    def get_filename(self):
        return self.dated_filename(self.page_title, self.course.slug)

    def get_base_queryset(self):
        return CohortPage.objects.child_of(self.course).annotate(
            participant_count=CohortIndexView.count_enrolled(
                Enrollment.Role.PARTICIPANT
            ),
            withdrawn_count=CohortIndexView.count_enrolled(
                Enrollment.Role.PARTICIPANT, Enrollment.objects.withdrawn()
            ),
        )

    def order_queryset(self, queryset):
        return super().order_queryset(queryset).order_by(self.ordering, "pk")

    @cached_property
    def session_count(self):
        """The most sessions any of the cohorts has: one column each."""
        return (
            Session.objects.filter(page__in=self.get_base_queryset().values("pk"))
            .values("page")
            .annotate(count=Count("pk"))
            .order_by("-count")
            .values_list("count", flat=True)
            .first()
        ) or 0

    @cached_property
    def followed_cohorts(self):
        """The ids of the course's cohorts whose progress grid the reader may
        open, by the grid's own rule: one query for the whole page."""
        return set(
            cohorts_for_user(self.request.user)
            .child_of(self.course)
            .values_list("pk", flat=True)
        )

    def cohort_url(self, cohort):
        """Where a cohort's name leads: its progress grid for those who
        follow its people, else its figures, else nowhere."""
        if cohort.pk in self.followed_cohorts:
            return reverse(self.progress_url_name, args=[cohort.pk])
        try:
            return reverse(self.figures_url_name, args=[cohort.pk])
        except NoReverseMatch:
            return None

    @cached_property
    def columns(self):
        return [
            CohortColumn(
                "title",
                label=_("Cohort"),
                sort_key="title",
                classname="virtu-sticky",
                get_url=self.cohort_url,
            ),
            Column(
                "participants",
                label=_("Participants"),
                sort_key="participant_count",
                accessor="figures.participants",
            ),
            Column(
                "withdrawn",
                label=pgettext_lazy("participants who left", "Withdrawn"),
                sort_key="withdrawn_count",
                accessor="figures.withdrawn",
            ),
            *[AttendanceColumn(number) for number in range(1, self.session_count + 1)],
            Column(
                "experiments",
                label=_("Experiments asked"),
                accessor="figures.experiments",
            ),
            FigureColumn(
                "submitted",
                label=_("Reflections submitted"),
                accessor="figures.submitted",
            ),
            FigureColumn(
                "experiments_done",
                label=_("Experiments done per participant"),
                accessor="figures.experiments_done",
                none=_("none due yet"),
                classname="virtu-words",
            ),
            FigureColumn(
                "awaiting_feedback",
                label=_("Awaiting feedback"),
                accessor="figures.awaiting_feedback",
            ),
        ]

    def hides(self, cohort):
        """Whether the reader sees no figure of what ``cohort``'s people did:
        they do not follow its people (a commissioner) and it has too few
        of them to tell one from another. The impact report hides its
        figures alike."""
        return cohort.pk not in self.followed_cohorts and too_few(
            cohort.figures.participants
        )

    def with_figures(self, cohorts):
        cohorts = list(cohorts)
        by_cohort = figures(cohorts)
        for cohort in cohorts:
            cohort.figures = by_cohort[cohort.pk]
            cohort.figures.hidden = self.hides(cohort)
            for session in cohort.figures.sessions:
                # "1 / 1" would tell what the one marked so far did.
                session.hidden = cohort.figures.hidden or (
                    cohort.pk not in self.followed_cohorts and too_few(session.marked)
                )
        self.hides_figures = any(cohort.figures.hidden for cohort in cohorts)
        return cohorts

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["hides_figures"] = self.hides_figures
        context["smallest_group"] = smallest_group()
        return context

    def paginate_queryset(self, queryset, page_size):
        paginator, page, cohorts, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        page.object_list = self.with_figures(cohorts)
        return paginator, page, page.object_list, is_paginated

    def decorate_paginated_queryset(self, object_list):
        if isinstance(object_list, list):
            return object_list
        return self.with_figures(object_list)

    @cached_property
    def list_export(self):
        sessions = [
            key
            for number in range(1, self.session_count + 1)
            for key in (
                f"session-{number}-present",
                f"session-{number}-percent",
                f"session-{number}-not-marked",
            )
        ]
        return [
            "title",
            "organisations",
            "participants",
            "withdrawn",
            *sessions,
            "experiments",
            "submitted",
            "experiments_done",
            "awaiting_feedback",
        ]

    @cached_property
    def export_headings(self):
        headings = {
            "title": gettext("Cohort"),
            "organisations": gettext("Organisations"),
            "participants": gettext("Participants"),
            "withdrawn": pgettext("participants who left", "Withdrawn"),
            "experiments": gettext("Experiments asked"),
            "submitted": gettext("Reflections submitted"),
            "experiments_done": gettext("Experiments done per participant"),
            "awaiting_feedback": gettext("Awaiting feedback"),
        }
        for number in range(1, self.session_count + 1):
            headings[f"session-{number}-present"] = gettext(
                "Session %(number)s: present"
            ) % {"number": number}
            headings[f"session-{number}-percent"] = gettext(
                "Session %(number)s: attendance %% of those marked"
            ) % {"number": number}
            headings[f"session-{number}-not-marked"] = gettext(
                "Session %(number)s: not marked"
            ) % {"number": number}
        return headings

    def to_row_dict(self, item):
        figures = item.figures
        row = OrderedDict(
            title=item.title,
            organisations=item.organisations,
            participants=figures.participants,
            withdrawn=figures.withdrawn,
        )
        for number in range(1, self.session_count + 1):
            session = figures.session(number)
            shown = session is not None and not session.hidden
            percent = figures.attendance_percent(number) if shown else None
            row[f"session-{number}-present"] = (
                session.present if percent is not None else None
            )
            row[f"session-{number}-percent"] = percent
            row[f"session-{number}-not-marked"] = (
                figures.not_marked(number) if shown else None
            )
        row.update(
            experiments=figures.experiments,
            submitted=figures.submitted,
            experiments_done=figures.experiments_done,
            awaiting_feedback=figures.awaiting_feedback,
        )
        if figures.hidden:
            # Empty cells, as the impact report's export leaves them.
            row.update(submitted=None, experiments_done=None, awaiting_feedback=None)
        return row


def overview_urls(viewset):
    """The overview's URLs, in the courses viewset's namespace
    (``courses:overview``), for the ``register_course_admin_urls`` hook."""
    return report_urls(CourseOverviewView, viewset, "overview")


def course_buttons(page, user):
    """A button to the course overview, on a course's page in the admin."""
    specific_class = page.specific_class
    if not (specific_class and issubclass(specific_class, CoursePage)):
        return []
    if not reads_course_figures(user, page):
        return []
    return page_buttons(
        page,
        user,
        CoursePage,
        _("Course overview"),
        "courses:overview",
        icon_name="table",
        priority=60,
    )
