import uuid
import zoneinfo
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import classproperty
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import get_all_child_relations
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel
from wagtail.locks import WorkflowLock
from wagtail.models import Orderable, Page, PageManager, PagePermissionTester
from wagtail.models.audit_log import (
    BaseLogEntry,
    BaseLogEntryManager,
    LogEntryQuerySet,
)
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.query import PageQuerySet

from courses.forms import CopyWithoutAliasForm
from courses.permissions import COORDINATORS
from outbox.rendering import single_line

from .fields import HttpsURLField, ZonedDateTimeField
from .forms import CohortPageForm
from .providers import MeetingProvider, MeetingProviderPanel, configured_providers
from .schedule import DEFAULT_SESSION_BOUNDS, planned_times, schedule_errors

DEFAULT_TIME_ZONE = "Europe/Helsinki"


class PeoplePanel(HelpPanel):
    """Where a cohort's people are enrolled; once it is saved, with a link
    to its own enrolments."""

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.instance.pk:
                url = reverse("enrollments:index")
                self.content = format_html(
                    '<p>{}</p><p><a href="{}?{}">{}</a></p>',
                    self.content,
                    url,
                    urlencode({"cohort": self.instance.pk}),
                    _("Open this cohort's enrolments"),
                )


def zone_named(time_zone):
    """A cohort's time zone from its ``time_zone`` field (blank: Helsinki)."""
    return zoneinfo.ZoneInfo(time_zone or DEFAULT_TIME_ZONE)


def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def course_title(cohort=""):
    """The title of a cohort's course (its parent page), as a subquery read
    with the rows of a query: ``cohort`` leads from them to the cohort
    ("" for cohorts themselves, ``"experiment__cohort__"`` and the like)."""
    return models.Subquery(
        Page.objects.filter(
            path=Substr(
                models.OuterRef(f"{cohort}path"),
                1,
                (models.OuterRef(f"{cohort}depth") - 1) * Page.steplen,
            )
        ).values("title")[:1]
    )


class CohortPageQuerySet(PageQuerySet):
    def among(self, pages):
        """The cohorts among ``pages`` and beneath them (a course's)."""
        if not pages:
            return self.none()
        return self.filter(
            Q.create(
                [self.descendant_of_q(page, inclusive=True) for page in pages],
                connector=Q.OR,
            )
        )

    def managed_by(self, user):
        """The cohorts whose people and work ``user`` may see in the admin:
        those whose page they may edit (all for coordinators, their own for
        trainers)."""
        if not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        # Editing pages alone (Wagtail's Editors, Moderators) is not a role
        # in training: only coordinators and trainers may see its people.
        if not user.has_perm("cohorts.view_enrollment"):
            return self.none()
        editable = PagePermissionPolicy().instances_user_has_permission_for(
            user, "change"
        )
        return self.filter(pk__in=editable.values("pk"))

    def followed_by(self, user):
        """The cohorts whose people and sessions ``user`` follows on the
        public site as a trainer or coordinator: those they manage whose
        people they may view, as in the admin. Editing pages alone (Wagtail's
        Editors) does not let anyone follow a cohort's people."""
        if not user.is_active or not user.has_perm("cohorts.view_enrollment"):
            return self.none()
        return self.managed_by(user)


class CohortPermissionTester(PagePermissionTester):
    """A cohort is about its people: only those with a role in training
    (coordinators and trainers, who may view enrolments) act on it in the
    admin, whatever page permissions a group such as Wagtail's Editors or
    Moderators holds on the tree above it: its editor shows sessions and
    join links. Nor does a workflow's task give them more: a site may put a
    workflow for such a group on its courses, and Wagtail lets a task's
    reviewers into the editor of a page in review. (Each course index gets
    a workflow for the Coordinators group: ``courses.workflows``.)"""

    def __init__(self, user, page):
        super().__init__(user, page)
        self.without_role = (
            user.is_active
            and not user.is_superuser
            and not user.has_perm("cohorts.view_enrollment")
        )
        if self.without_role:
            self.permissions = set()

    def can_edit(self):
        return not self.without_role and super().can_edit()

    def can_lock(self):
        return not self.without_role and super().can_lock()

    def can_unlock(self):
        return not self.without_role and super().can_unlock()


class PublishersWorkflowLock(WorkflowLock):
    """A cohort in review is locked, as Wagtail locks a page, for those who
    cannot act on the approval, except for those who may publish the cohort
    (its coordinators): one waiting for a group they are not in (Wagtail's
    Moderators, before the coordinators' approval) would otherwise keep them
    from moving a session until its submitter cancelled it. Publishing it
    ends the approval."""

    def for_user(self, user):
        if self.object.permissions_for_user(user).can_publish():
            return False
        return super().for_user(user)


class CohortPage(Page):
    """One run of a course for a group of people, with its sessions."""

    organisations = models.CharField(
        _("organisations"),
        max_length=500,
        blank=True,
        help_text=_("The offices or organisations the participants come from."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=DEFAULT_TIME_ZONE,
        help_text=_("Session times are entered and shown in this zone."),
    )
    start_date = models.DateField(
        _("date of the first session"),
        null=True,
        blank=True,
        help_text=_(
            "When you create the cohort without sessions, its sessions are "
            "planned from this date following the course plan."
        ),
    )
    #: Wagtail group that gives this cohort's trainers edit access to it.
    trainer_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: When the cohort was copied from another in the admin: a session
    #: that started before has the original's date (``has_held``).
    copied_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PageManager.from_queryset(CohortPageQuerySet)()

    @classproperty
    def content_panels(cls):
        """The cohort's fields and sessions, then the panels that the apps
        built on cohorts add with the ``register_cohort_panels`` hook (a
        function that returns a list of panels, such as the experiments)."""
        return [
            *Page.content_panels,
            FieldRowPanel([FieldPanel("organisations"), FieldPanel("time_zone")]),
            FieldPanel("start_date"),
            InlinePanel("sessions", label=_("Session"), heading=_("Sessions")),
            *[
                panel
                for get_panels in hooks.get_hooks("register_cohort_panels")
                for panel in get_panels()
            ],
            PeoplePanel(
                content=_(
                    "Participants and trainers are enrolled under Training › "
                    "Enrolments."
                ),
                heading=_("People"),
            ),
        ]

    base_form_class = CohortPageForm
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    #: A copy is a cohort of its own: its trainers are enrolled in it, it
    #: is first published when it is (Wagtail's ``with_content_json`` takes
    #: a revision's ``first_published_at`` where it has one, so publishing a
    #: copied revision would date the copy's first publication, shown in its
    #: editor, to the original's), and a copy of it is marked when that copy
    #: is made (``copied_at``).
    exclude_fields_in_copy = ["trainer_group", "first_published_at", "copied_at"]
    copy_form_class = CopyWithoutAliasForm

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")

    def save(self, *args, **kwargs):
        # An alias made in code (the admin offers none) is made with the
        # original's fields: its trainers' group is the original's, not its.
        if self.alias_of_id is not None and self.trainer_group_id is not None:
            original = CohortPage.objects.filter(pk=self.alias_of_id)
            if original.filter(trainer_group=self.trainer_group_id).exists():
                self.trainer_group = None
        return super().save(*args, **kwargs)

    @cached_property
    def course(self):
        return self.get_parent().specific

    @property
    def zone(self):
        return zone_named(self.time_zone)

    def with_content_json(self, content):
        """The page as a revision holds it. A revision saved before sessions
        were numbered may list them in any order (as PostgreSQL returned
        them): those are put in the order of their start and numbered, so
        the editor and publishing see the cohort as it was planned.

        What is not content stays as it is now: the trainers' group (made
        when the first trainer was enrolled, perhaps after the revision),
        when the cohort was copied (its revisions predate it), and each
        session's UID, its identity in calendars and at meeting providers. A
        revision copied with the page from another cohort holds that
        cohort's UIDs: a session this cohort has keeps its own, and a session
        it has no more gets a new one if another cohort's calendars know its
        UID. A session that the revision holds without an id (it
        was saved as the session was added) is the row that has its UID.
        Nor does a copied revision give the copy the other cohort's meeting
        links (``Session.make_its_own``)."""
        page = super().with_content_json(content)
        page.trainer_group_id = self.trainer_group_id
        page.copied_at = self.copied_at
        sessions = list(page.sessions.all())
        if self.pk is not None:
            uids = dict(Session.objects.filter(page=self).values_list("pk", "uid"))
            rows = {uid: pk for pk, uid in uids.items()}
            held = {session.pk for session in sessions}
            for session in sessions:
                if session.pk in uids:
                    if session.uid != uids[session.pk]:
                        # A revision copied with the page: the row got a UID
                        # of its own as it was saved (``Session.save``).
                        session.make_its_own()
                    session.uid = uids[session.pk]
                elif session.pk is None and rows.get(session.uid) not in {*held, None}:
                    session.pk = rows[session.uid]
                elif session.uid_taken_elsewhere():
                    session.make_its_own()
        if any(session.sort_order is None for session in sessions):
            sessions.sort(key=lambda session: (session.start is None, session.start))
            for number, session in enumerate(sessions):
                session.sort_order = number
            page.sessions = sessions
        if self.pk is not None:
            self.keep_what_work_hangs_on(page)
        return page

    def keep_what_work_hangs_on(self, page):
        """Put back in ``page`` (as a revision holds it) each row it leaves
        out that may not be removed now (``removal_problems``, as the editor
        refuses): a revision checked when it was saved may be published
        later, by schedule or on approval, after a reflection was written on
        the experiment it removes or attendance was marked for the session."""
        for relation in get_all_child_relations(self):
            check = getattr(relation.related_model, "removal_problems", None)
            if check is None:
                continue
            name = relation.get_accessor_name()
            rows = list(getattr(page, name).all())
            removed = relation.related_model._default_manager.filter(
                **{relation.field.name: self}
            ).exclude(pk__in=[row.pk for row in rows if row.pk is not None])
            kept = [pk for pk, __ in check(removed)]
            if kept:
                setattr(page, name, [*rows, *removed.filter(pk__in=kept)])

    def plan_from_course(self, course=None):
        """Give a new cohort the course's sessions, where it has none of its
        own yet, and whatever the apps built on cohorts plan with it: each
        ``plan_cohort`` hook is called with the cohort and the course."""
        course = course or self.course
        if not self.sessions.all() and self.start_date:
            self.sessions = [
                # Numbered as the admin's inline panel numbers them: with no
                # number, PostgreSQL may return the sessions in any order.
                Session(
                    title=plan.title,
                    agenda=plan.agenda,
                    start=start,
                    end=end,
                    sort_order=number,
                )
                for number, (plan, (start, end)) in enumerate(
                    zip(
                        course.session_plans.all(),
                        planned_times(course, self.start_date, self.zone),
                        strict=True,
                    )
                )
            ]
        for plan in hooks.get_hooks("plan_cohort"):
            plan(self, course)

    def clean(self):
        super().clean()
        # Titles go into email subjects and calendar files, one line each.
        self.title = single_line(self.title)
        errors = schedule_errors(
            [(session.start, session.end) for session in self.sessions.all()],
            *self.session_bounds(),
        )
        if errors:
            raise ValidationError(
                [message for messages in errors.values() for message in messages]
            )

    def permissions_for_user(self, user):
        return CohortPermissionTester(user, self)

    def get_lock(self):
        lock = super().get_lock()
        if type(lock) is WorkflowLock:
            return PublishersWorkflowLock(lock.object, lock.task)
        return lock

    def has_held(self, start, now=None):
        """Whether the cohort's session starting at ``start`` has been held,
        and so stays in the cohort's record (``Session.removal_problems``)
        and has its attendance marked and counted (``Attendance``): it has
        started, unless the cohort was copied in the admin after it
        started. Such a session has the original's date, and has not been
        held by this cohort, whoever has been enrolled in it since."""
        if start > (now or timezone.now()):
            return False
        return self.copied_at is None or start >= self.copied_at

    @staticmethod
    def held_condition(now=None, session=""):
        """``has_held`` as a condition for the database, on sessions or on
        rows that reach their session through ``session`` (``"session__"``):
        so that figures count what has been held in the query they make."""
        start, copied_at = f"{session}start", f"{session}page__copied_at"
        return Q(**{f"{start}__lte": now or timezone.now()}) & (
            Q(**{f"{copied_at}__isnull": True})
            | Q(**{f"{start}__gte": models.F(copied_at)})
        )

    def shows_sessions_to(self, user, enrollments=None):
        """Sessions, join links, calendar files and the cohort space are for
        the people enrolled in a live cohort and for its trainers and
        coordinators. ``enrollments``: the user's active enrolments in this
        cohort, where the caller has read them already."""
        enrolled = (
            self.live
            and user.is_authenticated
            and (
                bool(enrollments)
                if enrollments is not None
                else self.enrollments.active().filter(user=user).exists()
            )
        )
        return (
            enrolled or CohortPage.objects.followed_by(user).filter(pk=self.pk).exists()
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.shows_sessions_to(request.user):
            sessions = list(self.sessions.all())
            links = join_urls(sessions)
            context["sessions"] = [
                (session, links.get(session.uid, "")) for session in sessions
            ]
        elif not request.user.is_authenticated:
            context["login_url"] = redirect_to_login(request.get_full_path()).url
        else:
            # Someone withdrawn is told so, as on the cohort's other pages
            # (``former_places``); anyone else, only who sees the sessions.
            context["former_place"] = Enrollment.objects.former_place(
                request.user, Q(cohort=self)
            )
        return context

    def session_bounds(self, course=None):
        """Shortest and longest session in minutes, as the course sets them."""
        if course is None and self.depth:
            course = self.course
        if course is None:
            return DEFAULT_SESSION_BOUNDS
        return course.session_bounds


class Session(Orderable):
    """A half-day remote meeting of a cohort."""

    page = ParentalKey(CohortPage, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=255)
    start = ZonedDateTimeField(_("starts"))
    end = ZonedDateTimeField(_("ends"))
    meeting_url = HttpsURLField(
        _("meeting link"),
        max_length=1000,
        blank=True,
        help_text=_("A Teams, Zoom, Jitsi or other meeting link (https://…)."),
    )
    meeting_provider = models.CharField(
        _("or create the meeting with"),
        max_length=20,
        choices=MeetingProvider.choices,
        blank=True,
        help_text=_("Leave the link empty and pick a service to create the meeting."),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    #: Calendar UID, fixed when the session is created and never recomputed.
    #: (What calendars were last told lives in CalendarEntry, outside the
    #: page revisions, so publishing an older revision cannot roll it back.)
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
        FieldRowPanel(
            [FieldPanel("meeting_url"), MeetingProviderPanel("meeting_provider")]
        ),
        FieldPanel("agenda"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return self.title

    @property
    def zone(self):
        """The cohort's time zone, in which the session's times are entered
        and shown."""
        return self.page.zone

    @classmethod
    def removal_problems(cls, sessions):
        """(id, why) for each of ``sessions`` that cannot be removed from its
        cohort (``CohortPageForm``): one whose attendance is marked, as the
        marks would go with it, and one that has been held
        (``CohortPage.has_held``), as it is part of the cohort's record and
        the experiments are numbered by the sessions."""
        now = timezone.now()
        for session in (
            sessions.annotate(marks=models.Count("attendances"))
            .filter(models.Q(marks__gt=0) | models.Q(start__lte=now))
            .select_related("page")
            .order_by("sort_order")
        ):
            held = session.page.has_held(session.start, now)
            if not session.marks and not held:
                continue
            if session.marks and not held:
                # Marked ahead, or before it was moved later: the marks count
                # nowhere yet, and its attendance page can clear them.
                message = _(
                    "The session “%(title)s” cannot be removed: attendance has "
                    "been marked for it, though it has not been held yet. If the "
                    "marks are not needed, clear them on the session's attendance "
                    "page first, then remove the session."
                )
            elif session.marks:
                message = _(
                    "The session “%(title)s” cannot be removed: attendance has "
                    "been marked for it, and the marks would be deleted with it. "
                    "Keep the session, and change its details if they need "
                    "changing."
                )
            else:
                message = _(
                    "The session “%(title)s” cannot be removed: it has already "
                    "started. A session that has been held stays in the "
                    "cohort's record."
                )
            yield session.pk, message % {"title": session.title}

    def clean_fields(self, exclude=None):
        """Also check that the session ends after it starts, where both times
        are checked: a time the form could not read (a local time that a
        clock change skips) is excluded and the session still holds the saved
        one, which the entered other time is not to be compared with."""
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        unread = {*(exclude or ()), *errors}
        if (
            not {"start", "end"} & unread
            and self.start
            and self.end
            and self.end <= self.start
        ):
            errors.setdefault("end", []).append(
                ValidationError(_("The session must end after it starts."))
            )
        if errors:
            raise ValidationError(errors)

    def clean(self):
        super().clean()
        self.title = single_line(self.title)
        if self.meeting_provider:
            self.clean_meeting_provider()

    def clean_meeting_provider(self):
        if self.meeting_url:
            message = _("Paste a link or pick a service, not both.")
        elif self.meeting_provider not in configured_providers():
            message = _("%(provider)s is not set up on this site.") % {
                "provider": self.get_meeting_provider_display()
            }
        else:
            return
        raise ValidationError({"meeting_provider": message})

    @property
    def log_cohort_id(self):
        return self.page_id

    @staticmethod
    def preparations(sessions):
        """{session uid: what participants bring to the session}, as the
        apps built on cohorts say with the ``session_preparation`` hook (a
        function that takes the sessions and returns such a dict of texts,
        lazy so that each email and file says it in its reader's language)."""
        preparations = {}
        for prepare in hooks.get_hooks("session_preparation"):
            for uid, text in prepare(sessions).items():
                preparations[uid] = text
        return preparations

    @staticmethod
    def meetings_of(sessions):
        """{session uid: Meeting} of the ``sessions`` that have one with the
        provider they name."""
        providers = {session.uid: session.meeting_provider for session in sessions}
        return {
            meeting.session_uid: meeting
            for meeting in Meeting.objects.filter(
                session_uid__in=providers, cancelled_at__isnull=True
            )
            if providers[meeting.session_uid] == meeting.provider
        }

    @property
    def join_url(self):
        """The link people join with: the one pasted, or the one a meeting
        provider created. For many sessions use ``join_urls()``."""
        return join_urls([self]).get(self.uid, "")

    def uid_taken_elsewhere(self):
        """Whether another session has this session's UID, or another
        cohort's calendar entry or meeting: a copied cohort copies its
        sessions' UIDs too, and a calendar would then merge the copy's
        events with the original's."""
        return (
            Session.objects.filter(uid=self.uid).exclude(pk=self.pk).exists()
            or CalendarEntry.objects.filter(uid=self.uid)
            .exclude(cohort_id=self.page_id)
            .exists()
            or Meeting.objects.filter(session_uid=self.uid, cohort__isnull=False)
            .exclude(cohort_id=self.page_id)
            .exists()
        )

    def make_its_own(self):
        """Make a copy of another cohort's session (it has that session's
        UID) a session of the copy's own: a UID of its own, so that calendars
        and meeting services keep the two apart, and no meeting link, which
        would send the copy's people to the other cohort's meeting. The
        service picked to create the meeting stays: it creates the copy's
        own when the copy is published."""
        self.uid = uuid.uuid4()
        self.meeting_url = ""

    def save(self, *args, **kwargs):
        if self.uid_taken_elsewhere():
            self.make_its_own()
        super().save(*args, **kwargs)


#: A person's places that are theirs to see now: not withdrawn, in a live
#: cohort.
CURRENT_PLACE = Q(withdrawn_at__isnull=True, cohort__live=True)
#: Their former places: withdrawn, or in a cohort taken off the site after it
#: was published (not one never published: not theirs to know of yet).
FORMER_PLACE = Q(cohort__first_published_at__isnull=False) & ~CURRENT_PLACE


class EnrollmentQuerySet(models.QuerySet):
    def active(self):
        """The people in their cohorts: enrolments not withdrawn. Whatever
        asks who is in a cohort (access, invites, emails, figures) asks this."""
        return self.filter(withdrawn_at__isnull=True)

    def withdrawn(self):
        return self.filter(withdrawn_at__isnull=False)

    def former(self):
        """The places their people are told they had (``FORMER_PLACE``): on
        My training, and where they follow an old link into the cohort."""
        return self.filter(FORMER_PLACE)

    def former_place(self, user, where):
        """The user's former place that ``where``, a condition on enrolments,
        finds, with its cohort; ``None`` where they had none there
        (``former_places``)."""
        if not user.is_authenticated:
            return None
        return (
            self.former()
            .filter(where, user=user)
            .select_related("cohort")
            .order_by("pk")
            .first()
        )

    def holding_work(self):
        """The places something hangs on: attendance, and the reflections,
        choices and survey answers that the apps above add (found through
        the relations to ``Enrollment``, so that none of them is imported)."""
        return self.filter(
            models.Q.create(
                [
                    models.Exists(
                        relation.related_model._default_manager.filter(
                            **{relation.field.name: models.OuterRef("pk")}
                        )
                    )
                    for relation in self.model._meta.related_objects
                ],
                connector=models.Q.OR,
            )
        )

    def people(self):
        """How many people these enrolments are, by role: {"participants": n,
        "trainers": n}. People, not places: a trainer of two cohorts is one."""
        return self.aggregate(
            participants=models.Count(
                "user", distinct=True, filter=models.Q(role=Enrollment.Role.PARTICIPANT)
            ),
            trainers=models.Count(
                "user", distinct=True, filter=models.Q(role=Enrollment.Role.TRAINER)
            ),
        )

    def invited(self):
        """The enrolments whose people are sent the cohort's calendar invites:
        the one place that says who a cohort's calendars are for: those in
        the cohort (``active``) who have an address (a person without one
        cannot be sent anything; a withdrawn one gets the cancellations)
        and an open account. A closed account's calendar is left as it was,
        cancellations and all, until it is opened again
        (``calendar/invites.py``)."""
        return self.active().exclude(user__email="").filter(user__is_active=True)


class Enrollment(models.Model):
    """A person's place in a cohort, as a participant or as a trainer.

    Removing someone from a cohort withdraws the enrolment rather than
    deleting it: they lose access and leave the figures, while what they
    wrote and their attendance stay, and enrolling them again restores it.
    """

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        TRAINER = "trainer", _("Trainer")

    cohort = models.ForeignKey(
        CohortPage,
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT
    )
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    #: How often the person has been placed in a cohort again with this row:
    #: 0 when enrolled, one more each time it is moved to another cohort or
    #: enrolled again after a withdrawal. Each placement has its welcome
    #: (``welcome.py``).
    placement = models.PositiveIntegerField(_("placement"), default=0, editable=False)

    objects = EnrollmentQuerySet.as_manager()

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["cohort", "role", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"], name="unique_enrollment_per_cohort"
            )
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()}, {self.cohort.title})"

    @property
    def name(self):
        return self.user.get_full_name() or self.user.email

    @property
    def email(self):
        return self.user.email

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def log_cohort_id(self):
        """The cohort whose people may read this enrolment's log entries."""
        return self.cohort_id

    def enrol_again(self, role, organisation):
        """Bring a withdrawn person back to the same row, so that their work
        and attendance are theirs again, as a new placement; not saved. An
        empty ``organisation`` keeps the one the place had."""
        self.role = role
        self.organisation = organisation or self.organisation
        self.withdrawn_at = self.withdrawn_by = None
        self.placement += 1

    def moved_from(self):
        """Before a save that may give the place another cohort: the cohort
        it is in now, if it is another, and the move counted as a new
        placement (else None). Read from the row, locked until the
        transaction ends, not from what this object was read as: of two
        submits of one move, the second finds it made and moves nothing."""
        cohort_id, placement = (
            Enrollment.objects.select_for_update()
            .filter(pk=self.pk)
            .values_list("cohort_id", "placement")
            .get()
        )
        self.placement = placement
        if cohort_id == self.cohort_id:
            return None
        self.placement += 1
        return cohort_id

    def withdraw(self, by=None, now=None):
        """Take the person out of the cohort, keeping their work."""
        if self.is_withdrawn:
            return False
        self.withdrawn_at = now or timezone.now()
        self.withdrawn_by = by
        self.save(update_fields=["withdrawn_at", "withdrawn_by"])
        return True


class AttendanceQuerySet(models.QuerySet):
    def counted(self, now=None):
        """The marks of sessions held by ``now`` (``CohortPage.has_held``):
        only these count, wherever attendance is counted or shown. A mark
        of a session moved later after it was marked (or marked ahead,
        before this was refused) is kept, and counts once it is held."""
        return self.filter(CohortPage.held_condition(now, session="session__"))


class Attendance(models.Model):
    """Whether a participant took part in a session, as a trainer marked it.
    It is marked once the session has been held (``CohortPage.has_held``)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    status = models.CharField(_("attendance"), max_length=20, choices=Status.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("marked"), auto_now=True)

    objects = AttendanceQuerySet.as_manager()

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrollment"], name="one_attendance_per_session"
            )
        ]

    def __str__(self):
        return f"{self.session}: {self.enrollment.name} ({self.get_status_display()})"

    @property
    def log_cohort_id(self):
        return self.session.page_id


def join_urls(sessions):
    """{session uid: join link} for ``sessions``, in one query at most."""
    links = {session.uid: session.meeting_url for session in sessions}
    # Only a meeting of the provider the session names now counts: one left
    # from a provider since cleared or changed would be a stale link.
    providers = {s.uid: s.meeting_provider for s in sessions if not s.meeting_url}
    if any(providers.values()):
        meetings = (
            Meeting.objects.filter(session_uid__in=providers, cancelled_at__isnull=True)
            .exclude(join_url="")
            .values_list("session_uid", "provider", "join_url")
        )
        for uid, provider, join_url in meetings:
            if providers[uid] == provider:
                links[uid] = join_url
    return links


class CalendarEntry(models.Model):
    """What calendars were last told about one session: the SEQUENCE of the
    last message sent about it, and the event it described. What each person
    was sent is in ``Invitation``."""

    uid = models.UUIDField(unique=True)
    cohort = models.ForeignKey(
        CohortPage, on_delete=models.CASCADE, related_name="calendar_entries"
    )
    sequence = models.PositiveIntegerField(default=0)
    #: Digest of the event as calendars show it; a change means an update.
    fingerprint = models.CharField(max_length=64, blank=True)
    #: The event as last announced (titles, times, zone, link, agenda), so
    #: that a session deleted since can still be cancelled in its own words.
    event = models.JSONField(default=dict, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")

    def __str__(self):
        return f"{self.uid} #{self.sequence}"


class Invitation(models.Model):
    """What one person's calendar was last sent about one session: an invite
    or update (REQUEST) or a cancellation (CANCEL), at which SEQUENCE, to
    which address, describing which event."""

    class Method(models.TextChoices):
        REQUEST = "REQUEST", _("Invitation or update")
        CANCEL = "CANCEL", _("Cancellation")

    entry = models.ForeignKey(
        CalendarEntry, on_delete=models.CASCADE, related_name="invitations"
    )
    #: Empty once the account is deleted: the address still gets the cancel.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField(_("email address"))
    method = models.CharField(_("message"), max_length=10, choices=Method.choices)
    sequence = models.PositiveIntegerField(_("update number"))
    fingerprint = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(_("last sent"), auto_now=True)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "user"], name="one_invitation_per_person_and_event"
            )
        ]
        indexes = [models.Index(fields=["user"], name="cohorts_invitation_user_idx")]

    def __str__(self):
        return f"{self.email} {self.method} #{self.sequence}"


class Meeting(models.Model):
    """An online meeting a provider created for a session, kept outside the
    page revisions so that republishing an older revision cannot lose it.

    A session has at most one meeting per provider (the unique key makes two
    publishes at once create one). ``start``, ``end`` and ``subject`` are what
    the provider was last told, so that a moved session moves its meeting;
    ``cancelled_at`` marks a meeting still to be deleted at the provider."""

    session_uid = models.UUIDField()
    cohort = models.ForeignKey(
        CohortPage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
    )
    provider = models.CharField(max_length=20, choices=MeetingProvider.choices)
    external_id = models.CharField(max_length=255, blank=True)
    join_url = models.URLField(max_length=1000, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("online meeting")
        verbose_name_plural = _("online meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["session_uid", "provider"],
                name="one_meeting_per_session_and_provider",
            )
        ]

    def __str__(self):
        return self.join_url or f"{self.get_provider_display()} ({self.session_uid})"


class CalendarFeed(models.Model):
    """A person's secret calendar subscription. Only a hash of the token is
    stored; resetting it makes a new token and breaks the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now=True)
    #: When anything in the feed last changed: the feed is built once per
    #: change and served from the cache (and as 304) until the next.
    changed_at = models.DateTimeField(_("last changed"), default=timezone.now)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


class TrainingLogEntryQuerySet(LogEntryQuerySet):
    def _combinator_query(self, *args, **kwargs):
        # Site history unions every log model's entries, one union on top of
        # the other, and reorders the whole. From Django 6.1 a union takes
        # its first model's default ordering, which SQLite refuses inside
        # the next union; with this log model first (cohorts.audit), none.
        clone = super()._combinator_query(*args, **kwargs)
        clone.query.default_ordering = False
        return clone


class TrainingLogEntryManager(BaseLogEntryManager):
    """Log entries of the things that belong to a cohort, each tagged with
    its cohort, so that Site history shows trainers those of their own
    cohorts alone (Wagtail's own rule would show them every cohort's)."""

    def get_queryset(self):
        return TrainingLogEntryQuerySet(self.model, using=self._db)

    def log_action(self, instance, action, **kwargs):
        kwargs.setdefault("object_id", str(instance.pk))
        kwargs.setdefault("cohort_id", getattr(instance, "log_cohort_id", None))
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance):
        return self.filter(
            content_type=ContentType.objects.get_for_model(
                instance, for_concrete_model=False
            ),
            object_id=str(instance.pk),
        )

    def viewable_by_user(self, user):
        """Superusers read every entry; trainers and coordinators those of
        the cohorts they manage; coordinators also those of no one cohort
        (exports across cohorts, the course overview)."""
        if user.is_active and user.is_superuser:
            return self.all()
        # Ids, not a subquery: Site history unions this with the other log
        # models, and SQLite refuses a union of queries with nested ordering.
        cohorts = list(CohortPage.objects.managed_by(user).values_list("pk", flat=True))
        visible = models.Q(cohort__in=cohorts)
        if user.is_active and user.groups.filter(name=COORDINATORS).exists():
            visible |= models.Q(cohort__isnull=True)
        return self.filter(visible)


class TrainingLogEntry(BaseLogEntry):
    """Who did what to a cohort's people and their work: enrolments,
    attendance, feedback, imports and exports (``cohorts.audit``)."""

    object_id = models.CharField(max_length=255, blank=True, db_index=True)
    #: The cohort the entry is about, if one; kept when the cohort is deleted.
    cohort = models.ForeignKey(
        CohortPage,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    objects = TrainingLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("training log entry")
        verbose_name_plural = _("training log entries")

    def __str__(self):
        return f"{self.action} {self.label} ({self.timestamp:%Y-%m-%d %H:%M})"


class RetentionReview(models.Model):
    """A cohort whose retention has ended (``VIRTU_RETENTION_MONTHS`` after
    its last session): listed for a coordinator to confirm, then its
    people's content is erased (``retention.py``)."""

    cohort = models.OneToOneField(
        CohortPage,
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="retention_review",
    )
    due_since = models.DateTimeField(_("retention ended"))
    listed_at = models.DateTimeField(_("listed"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("cohort past its retention")
        verbose_name_plural = _("cohorts past their retention")
        ordering = ["due_since", "pk"]

    def __str__(self):
        return self.cohort.title
