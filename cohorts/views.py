from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.views.pages.choose_parent import ChooseParentView
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.admin.widgets import Button, HeaderButton

from courses.choosing import ShownParentsMixin
from courses.exports import ModelListingExportMixin
from courses.views import PageListingMenuItem
from outbox.listing import counted
from outbox.views import LocalInspectView
from privacy import access

from . import attendance, audit, retention
from .attendance import CHOICES, PER_PAGE, AttendanceForm
from .enrolment import EnrollmentForm, cohort_label, with_course_title, withdraw
from .exports import SafeSpreadsheetExportMixin
from .filters import EnrollmentFilterSet
from .importing import (
    ADDED,
    RESTORED,
    UNCHANGED,
    UPDATED,
    ImportForm,
    changes,
    confirm_import,
    confirm_label,
    confirmation_key,
    count_changes,
    describe,
    foresee,
    forget_pending,
    imported_counts,
    keep_pending,
    pending,
)
from .models import Attendance, CohortPage, Enrollment, RetentionReview, Session
from .permissions import cohorts_for_user


class CohortScopedIndexView(
    ModelListingExportMixin, SafeSpreadsheetExportMixin, generic.IndexView
):
    """A listing of only the objects of the cohorts the user may see, with
    exports in which their text cannot turn into formulas."""

    results_template_name = "cohorts/admin/index_results.html"

    def get_base_queryset(self):
        return self.permission_policy.in_users_cohorts(
            self.request.user, super().get_base_queryset()
        )


class CohortScopedEditView(generic.EditView):
    def get_queryset(self):
        return self.permission_policy.in_users_cohorts(
            self.request.user, super().get_queryset()
        )


class CohortScopedDeleteView(generic.DeleteView):
    def get_queryset(self):
        return self.permission_policy.in_users_cohorts(
            self.request.user, super().get_queryset()
        )


class CohortScopedInspectView(LocalInspectView):
    def get_field_display_value(self, field_name, field):
        # An empty date or person (not withdrawn, say), not Python's "None".
        if getattr(self.object, field_name, "") is None:
            return "—"
        return super().get_field_display_value(field_name, field)

    def get_object(self, queryset=None):
        return get_object_or_404(
            self.permission_policy.in_users_cohorts(
                self.request.user, self.model._default_manager.all()
            ),
            pk=self.pk,
        )


class CohortScopedViewSet(ModelViewSet):
    """A model viewset whose every view, export included, shows only the
    objects of the user's own cohorts (all cohorts for coordinators)."""

    index_view_class = CohortScopedIndexView
    edit_view_class = CohortScopedEditView
    delete_view_class = CohortScopedDeleteView
    inspect_view_class = CohortScopedInspectView


class EnrollmentWithdrawView(CohortScopedDeleteView):
    """ "Delete" on an enrolment withdraws the person from the cohort: their
    work stays, and enrolling them again restores it (``Enrollment``)."""

    template_name = "cohorts/admin/confirm_withdraw.html"
    page_title = _("Withdraw")
    success_message = _("%(object)s withdrawn from the cohort.")

    def get_queryset(self):
        return super().get_queryset().active()

    @property
    def confirmation_message(self):
        return gettext(
            "Withdraw %(name)s from %(cohort)s? They can no longer see the "
            "cohort, and their calendars get the sessions cancelled. Their "
            "reflections, comments and attendance are kept, and enrolling "
            "them again brings them back."
        ) % {"name": self.object.name, "cohort": self.object.cohort.title}

    def get_success_message(self):
        return self.success_message % {"object": self.object.name}

    def delete_action(self):
        withdraw(self.object, self.request.user)


class EnrollmentCreateView(generic.CreateView):
    # Wagtail's "<model> '<object>' created" reads badly in Finnish.
    success_message = _("%(name)s enrolled in %(cohort)s.")
    # Enrolling a withdrawn person restores their place (``EnrollmentForm``).
    restored_message = _(
        "%(name)s enrolled in %(cohort)s again, with their earlier work."
    )

    def get_success_message(self, instance):
        restored = self.form.restoring is not None  # set by ``form_valid``
        message = self.restored_message if restored else self.success_message
        return message % {"name": instance.name, "cohort": instance.cohort.title}


class EnrollmentEditView(CohortScopedEditView):
    success_message = _("Enrolment of %(name)s in %(cohort)s saved.")
    # "Delete" withdraws the person (``EnrollmentWithdrawView``).
    delete_item_label = _("Withdraw")

    def save_instance(self):
        # A move alone is logged as one, in the history of both cohorts
        # (``EnrollmentForm.save``), not as a bare "Edited" in the new one.
        moved_only = self.form.changed_data == ["cohort"]
        self.action_class(
            self.form.instance,
            user=self.request.user,
            form=self.form,
            log_action=False if moved_only else "wagtail.edit",
        ).execute(skip_permission_checks=True)
        return self.form.instance

    def get_delete_url(self):
        # Someone withdrawn already is not offered it again (it would 404).
        if self.object.withdrawn_at is None:
            return super().get_delete_url()
        return None

    def get(self, request, *args, **kwargs):
        # Nothing else on the form tells a withdrawn place from an active
        # one, and saving it does not restore it: enrolling them again does.
        # (Said before the page, a TemplateResponse, is rendered.)
        response = super().get(request, *args, **kwargs)
        if self.object.withdrawn_at is not None:
            messages.warning(
                request,
                gettext(
                    "%(name)s has been withdrawn from %(cohort)s. Saving this "
                    "form does not enrol them again: add an enrolment for their "
                    "email address in %(cohort)s, and their earlier work comes "
                    "back."
                )
                % {"name": self.object.name, "cohort": self.object.cohort.title},
            )
        return response

    def get_success_message(self):
        return self.success_message % {
            "name": self.object.name,
            "cohort": self.object.cohort.title,
        }


class EnrollmentIndexView(CohortScopedIndexView):
    import_url_name = None
    export_cohort_path = "cohort"
    paginator_class = counted(
        ngettext_lazy("%(count)s enrolment", "%(count)s enrolments", "count")
    )

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "cohort")

    @cached_property
    def columns(self):
        # The name opens the person (to edit, or to inspect for who may only
        # view) and carries the row's actions, withdrawing among them.
        name, *others = super().columns
        title = self._get_title_column_class(TitleColumn)(
            name.name,
            label=name.label,
            sort_key=name.sort_key,
            get_url=self.person_url,
        )
        return [title, *others]

    def person_url(self, instance):
        return self.get_edit_url(instance) or self.get_inspect_url(instance)

    def get_delete_url(self, instance):
        # Someone withdrawn already is not offered it again.
        if instance.withdrawn_at is None:
            return super().get_delete_url(instance)
        return None

    @cached_property
    def listing_url(self):
        """This listing as the coordinator sees it, filters and all, also
        when only its results are asked for (as a filter changes)."""
        query = self.request.GET.urlencode()
        return self.index_url + (f"?{query}" if query else "")

    def get_list_more_buttons(self, instance):
        """Wagtail's row actions, with "Delete" named for what it does and
        leading back to this listing (a cohort's own, say) when done."""
        buttons = super().get_list_more_buttons(instance)
        withdraw_url = self.get_delete_url(instance)
        for button in buttons:
            if withdraw_url and button.url == withdraw_url:
                button.label = _("Withdraw")
                button.url += "?" + urlencode({"next": self.listing_url})
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.import_url_name and self.user_has_permission("add"):
            url = reverse(self.import_url_name)
            # From a listing filtered to one cohort, import into that cohort.
            if (cohort := self.request.GET.get("cohort", "")).isdigit():
                url += "?" + urlencode({"cohort": cohort})
            label = _("Import from file")
            buttons.append(
                HeaderButton(
                    label,
                    url,
                    icon_name="upload",
                    # Its icon alone on a phone, where both labels do not fit.
                    classname="virtu-header-icon",
                    attrs={"title": label},
                )
            )
        return buttons


class ImportStepMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    """The steps of an import: choosing a file, and confirming it."""

    model = Enrollment
    permission_required = "add"
    index_url_name = None
    import_url_name = None
    preview_url_name = None

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(self.model._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def import_url(self, cohort_id=None):
        url = reverse(self.import_url_name)
        return url + (f"?{urlencode({'cohort': cohort_id})}" if cohort_id else "")


class ImportView(ImportStepMixin, FormView):
    """Reads a file and keeps the people in it for the coordinator to
    confirm, or lists every problem in it: nobody is enrolled here."""

    form_class = ImportForm
    template_name = "cohorts/enrollment_import.html"
    page_title = _("Import from file")

    def get_initial(self):
        return {"cohort": self.request.GET.get("cohort")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = reverse(self.import_url_name)
        context["submit_button_label"] = _("Preview the import")
        context["submit_button_active_label"] = _("Reading the file…")
        context["media"] = context["form"].media
        return context

    def form_invalid(self, form):
        # The admin's messages are read out as the page opens; the list of
        # the file's problems above the form is not.
        if form.problems:
            count = len(form.problems)
            message = ngettext(
                "Nobody was imported: the file has a problem, listed below.",
                "Nobody was imported: the file has %(count)s problems, listed below.",
                count,
            ) % {"count": count}
        else:
            message = gettext("Nobody was imported: correct the form below.")
        messages.error(self.request, message)
        return super().form_invalid(form)

    def form_valid(self, form):
        token = keep_pending(
            self.request.session,
            form.cleaned_data["cohort"],
            form.cleaned_data["file"].name,
            form.people,
        )
        return redirect(self.preview_url_name, token)


class ImportPreviewView(ImportStepMixin, TemplateView):
    """What importing a checked file will do, and the button that does it.

    What is imported, and into which cohort, is read from the session, never
    from the browser, and whether the coordinator still manages that cohort
    is asked again at each step. A file is imported once, however many times
    it is confirmed (``confirm_import``): a second confirmation, or the
    preview opened again, says it was imported already.

    People are shown as the file names them: an address that has an account
    is enrolled under that account's own name, which the coordinator sees
    only once the person is in their cohort, so the preview shows nothing
    of any account, not even whether an address has one."""

    template_name = "cohorts/enrollment_import_preview.html"
    page_title = _("Check the import")
    #: Rows of the file shown before it is imported.
    SHOWN = 20

    def setup_import(self, token):
        """The pending import and its cohort, or a response that refuses."""
        self.pending = pending(self.request.session, token)
        if self.pending is None:
            if answer := self.imported_already(token):
                return answer
            messages.error(
                self.request,
                gettext(
                    "Nobody was imported: this file is no longer waiting to be "
                    "imported. It was imported already, another file was chosen "
                    "after it, or more than an hour has passed. Choose the file "
                    "again to see what it would do."
                ),
            )
            return redirect(self.import_url())
        self.cohort = (
            with_course_title(cohorts_for_user(self.request.user))
            .filter(pk=self.pending.cohort_id)
            .first()
        )
        if self.cohort is None:
            forget_pending(self.request.session)
            messages.error(
                self.request,
                gettext(
                    "Nobody was imported: you may no longer enrol people in the "
                    "cohort the file was for."
                ),
            )
            return redirect(self.import_url())
        return None

    def get(self, request, *args, token, **kwargs):
        if refusal := self.setup_import(token):
            return refusal
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, token, **kwargs):
        if refusal := self.setup_import(token):
            return refusal
        cohort = self.cohort
        try:
            counts, now = confirm_import(token, cohort, self.pending, request.user)
        except ValidationError as error:
            forget_pending(request.session)
            messages.error(
                request,
                " ".join(
                    [gettext("Nobody was imported:"), *error.messages],
                ),
            )
            return redirect(self.import_url(cohort.pk))
        # Forgotten only now: a second confirmation sent meanwhile (a double
        # click) still finds the file, waits for this one and is told so.
        forget_pending(request.session)
        return self.imported(cohort, counts, now)

    def imported_already(self, token):
        """The answer to a file this person imported already, confirmed or
        its preview opened again, into a cohort they still manage; or None."""
        entry = audit.logged_import(confirmation_key(token), user=self.request.user)
        if entry is None:
            return None
        cohort = cohorts_for_user(self.request.user).filter(pk=entry.cohort_id).first()
        if cohort is None:
            return None
        return self.imported(cohort, imported_counts(entry), now=False)

    def imported(self, cohort, counts, now):
        """To the cohort's people, saying what the import did, ``now`` or
        at an earlier confirmation."""
        values = {"cohort": cohort.title, "counts": describe(counts)}
        if now:
            message = gettext("%(cohort)s: %(counts)s.") % values
        else:
            message = (
                gettext(
                    "%(cohort)s: this file has already been imported "
                    "(%(counts)s). Nothing was imported again."
                )
                % values
            )
        messages.success(self.request, message)
        return redirect(
            reverse(self.index_url_name) + "?" + urlencode({"cohort": cohort.pk})
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        planned = changes(self.cohort, self.pending.people)
        counts = count_changes(planned)
        changing = [
            (person, change) for person, change in planned if change != UNCHANGED
        ]
        shown = changing[: self.SHOWN]
        labels = {
            ADDED: gettext("New"),
            RESTORED: gettext("Enrolled again"),
            UPDATED: gettext("Role or organisation changed"),
        }
        roles = dict(Enrollment.Role.choices)
        context.update(
            cohort=self.cohort,
            cohort_label=cohort_label(self.cohort),
            file_name=self.pending.file_name,
            foreseen=foresee(counts, self.cohort.live),
            confirm_label=confirm_label(counts, self.cohort.live),
            changing_count=len(changing),
            rows=[
                {
                    "name": f"{person.first_name} {person.last_name}".strip(),
                    "email": person.email,
                    "role": roles.get(person.role, person.role),
                    "organisation": person.organisation,
                    "change": labels[change],
                }
                for person, change in shown
            ],
            back_url=self.import_url(self.cohort.pk),
        )
        return context


class EnrollmentInspectView(CohortScopedInspectView):
    """A person's enrolment, with their name, address and organisation: the
    access log records who opened it."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        access.record(
            request.user,
            access.Action.VIEW_PERSON,
            self.object.user,
            self.object.cohort.title,
        )
        return response


class EnrollmentViewSet(CohortScopedViewSet):
    model = Enrollment
    inspect_view_class = EnrollmentInspectView
    index_view_class = EnrollmentIndexView
    add_view_class = EnrollmentCreateView
    edit_view_class = EnrollmentEditView
    delete_view_class = EnrollmentWithdrawView
    icon = "group"
    menu_label = _("Enrolments")
    add_to_admin_menu = False
    url_prefix = "training/enrolments"
    list_display = [
        Column("name", label=_("Name"), sort_key="user__last_name"),
        Column("email", label=_("Email"), sort_key="user__email"),
        "role",
        "organisation",
        "cohort",
        "withdrawn_at",
    ]
    filterset_class = EnrollmentFilterSet
    list_export = [
        "name",
        "email",
        "role",
        "organisation",
        "cohort",
        "created_at",
        "withdrawn_at",
    ]
    export_headings = {"name": _("Name"), "email": _("Email")}
    search_fields = [
        "user__first_name",
        "user__last_name",
        "user__email",
        "organisation",
    ]
    ordering = ["cohort__title", "role", "user__last_name", "user__first_name"]
    inspect_view_enabled = True
    # A count kept for the welcomes, of no use to a reader.
    inspect_view_fields_exclude = ["placement"]

    def get_form_class(self, for_update=False):
        return EnrollmentForm

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            import_url_name=self.get_url_name("import"), **kwargs
        )

    def construct_import_view(self, view_class):
        return self.construct_view(
            view_class,
            import_url_name=self.get_url_name("import"),
            preview_url_name=self.get_url_name("import_preview"),
        )

    @property
    def import_view(self):
        return self.construct_import_view(ImportView)

    @property
    def import_preview_view(self):
        return self.construct_import_view(ImportPreviewView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path(
                "import/<str:token>/",
                self.import_preview_view,
                name="import_preview",
            ),
        ]


class CohortIndexView(PageIndexView):
    """Cohorts with their head counts and first session, in a fixed number
    of queries however many people they have."""

    results_template_name = "cohorts/admin/cohort_results.html"

    paginator_class = counted(
        ngettext_lazy("%(count)s cohort", "%(count)s cohorts", "count")
    )

    def get_base_queryset(self):
        # One small subquery per figure: joining enrolments and sessions in
        # one aggregate multiplies rows and got 30 times slower at 5,000.
        return (
            super()
            .get_base_queryset()
            .annotate(
                participant_count=self.count_enrolled(Enrollment.Role.PARTICIPANT),
                trainer_count=self.count_enrolled(Enrollment.Role.TRAINER),
                first_session=Subquery(
                    Session.objects.filter(page=OuterRef("pk"))
                    .order_by("start")
                    .values("start")[:1]
                ),
            )
        )

    @staticmethod
    def count_enrolled(role, enrollments=None):
        """The cohort's people in ``role``: those in it (``active``) unless
        another queryset of enrolments is given."""
        if enrollments is None:
            enrollments = Enrollment.objects.active()
        return Coalesce(
            Subquery(
                enrollments.filter(cohort=OuterRef("pk"), role=role)
                .order_by()
                .values("cohort")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        )


class ChooseCourseView(ShownParentsMixin, ChooseParentView):
    """Adding a cohort where there are several courses: Wagtail asks for a
    "parent page"; a coordinator chooses the course the cohort is run for."""

    page_title = _("Choose the course")

    def get_form(self):
        form = super().get_form()
        field = form.fields["parent_page"]
        field.label = _("Course")
        field.help_text = _("The new cohort is run for this course.")
        return form


class CohortListingViewSet(PageListingViewSet):
    model = CohortPage
    index_view_class = CohortIndexView
    choose_parent_view_class = ChooseCourseView
    icon = "group"
    menu_label = _("Cohorts")
    menu_item_class = PageListingMenuItem
    add_to_admin_menu = False
    name = "cohorts"
    columns = [
        # Wagtail's own, less "updated", to leave the title room.
        *[
            column
            for column in PageListingViewSet.columns
            if column.name != "latest_revision_created_at"
        ],
        Column("organisations", label=_("Organisations")),
        Column("first_session", label=_("First session"), sort_key="first_session"),
        Column(
            "participant_count", label=_("Participants"), sort_key="participant_count"
        ),
        Column("trainer_count", label=_("Trainers"), sort_key="trainer_count"),
    ]

    def get_urlpatterns(self):
        """Wagtail's, the attendance views, and those that the apps built on
        cohorts add with the ``register_cohort_admin_urls`` hook (a function
        that takes this viewset and returns URL patterns), named in this
        viewset's namespace (e.g. ``cohorts:progress``)."""
        return [
            *super().get_urlpatterns(),
            path(
                "<int:pk>/attendance/",
                CurrentAttendanceView.as_view(),
                name="attendance",
            ),
            path(
                "<int:pk>/attendance/<int:session_pk>/",
                self.attendance_view,
                name="session_attendance",
            ),
            *[
                pattern
                for get_urls in hooks.get_hooks("register_cohort_admin_urls")
                for pattern in get_urls(self)
            ],
        ]

    @property
    def attendance_view(self):
        return AttendanceView.as_view(
            attendance_url_name=self.get_url_name("session_attendance"),
        )


def managed_cohort(user, pk):
    """The cohort ``pk`` if ``user`` trains or coordinates it, else 404."""
    return get_object_or_404(cohorts_for_user(user), pk=pk)


def cohort_admin_url(cohort):
    """Where a cohort's trainers follow it in the admin: its progress grid
    where an app provides one (``cohorts:progress``), else its page."""
    try:
        return reverse("cohorts:progress", args=[cohort.pk])
    except NoReverseMatch:
        return reverse("wagtailadmin_pages:edit", args=[cohort.pk])


class CohortBreadcrumbsMixin:
    """Home › Cohorts › the cohort › this view."""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("cohorts:index"), "label": _("Cohorts")},
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                "label": self.cohort.title,
            },
            {"url": "", "label": self.get_page_title()},
        ]


class CurrentAttendanceView(PermissionCheckedMixin, View):
    """To the attendance of the session under way or last held; before any
    has been held, of the next one (in a copy, its sessions dated before
    the copy are not its own: ``CohortPage.has_held``)."""

    model = Attendance
    permission_required = "change"

    def get(self, request, pk):
        cohort = managed_cohort(request.user, pk)
        sessions = list(cohort.sessions.order_by("start"))
        if not sessions:
            messages.warning(request, gettext("This cohort has no sessions yet."))
            return redirect(cohort_admin_url(cohort))
        now = timezone.now()
        held = [s for s in sessions if cohort.has_held(s.start, now)]
        ahead = [s for s in sessions if s.start > now]
        session = held[-1] if held else (ahead or sessions)[0]
        return redirect("cohorts:session_attendance", cohort.pk, session.pk)


ParticipantPaginator = counted(
    ngettext_lazy("%(count)s participant", "%(count)s participants", "count")
)


def marked_present(count):
    """What the button that marks everyone not yet marked present says once
    it has marked ``count`` people, with the count left for the browser."""
    return ngettext(
        "%(count)s participant who was not marked is now marked present. "
        "Nothing is saved until you press “Save attendance”.",
        "%(count)s participants who were not marked are now marked present. "
        "Nothing is saved until you press “Save attendance”.",
        count,
    )


class AttendanceView(
    PermissionCheckedMixin, CohortBreadcrumbsMixin, WagtailAdminTemplateMixin, FormView
):
    """A session's attendance, a page of participants at a time, once the
    session has been held (``not_yet``): before then the page says from
    when, and lets the marks made so far be cleared."""

    model = Attendance
    permission_required = "change"
    template_name = "cohorts/admin/attendance.html"
    header_icon = "tick-inverse"
    attendance_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.cohort = managed_cohort(request.user, kwargs["pk"])
        self.sessions = list(self.cohort.sessions.all())
        self.session = next(
            (s for s in self.sessions if s.pk == kwargs["session_pk"]), None
        )
        if self.session is None:
            raise Http404
        #: Why the session cannot be marked yet, or "".
        self.not_yet = attendance.not_yet(self.cohort, self.session)

    def get_template_names(self):
        if self.not_yet:
            return ["cohorts/admin/attendance_not_yet.html"]
        return super().get_template_names()

    def get(self, request, *args, **kwargs):
        if self.not_yet:
            return self.render_to_response(self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "clear" in request.POST:
            return self.clear()
        if self.not_yet:
            # A form loaded before the session was moved later.
            messages.error(
                request,
                gettext("The attendance was not saved. %(reason)s")
                % {"reason": self.not_yet},
            )
            return redirect(request.get_full_path())
        return super().post(request, *args, **kwargs)

    def clear(self):
        if not self.not_yet:
            messages.error(
                self.request,
                gettext(
                    "The marks were not cleared: the session has started, and "
                    "its marks are changed in the form."
                ),
            )
            return redirect(self.request.get_full_path())
        changes = attendance.clear(self.session)
        audit.log_attendance(self.session, self.request.user, changes)
        messages.success(
            self.request,
            ngettext(
                "%(count)s mark cleared from %(session)s.",
                "%(count)s marks cleared from %(session)s.",
                len(changes),
            )
            % {"count": len(changes), "session": self.session.title},
        )
        return redirect(self.request.get_full_path())

    def get_page_title(self):
        return gettext("Attendance")

    def get_page_subtitle(self):
        return self.session.title

    def get_form(self, form_class=None):
        people = (
            self.cohort.enrollments.active()
            .filter(role=Enrollment.Role.PARTICIPANT)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        )
        self.page = ParticipantPaginator(people, PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        return AttendanceForm(
            self.session, self.page.object_list, **self.get_form_kwargs()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            cohort=self.cohort,
            session=self.session,
            sessions=[
                (
                    session,
                    reverse(
                        self.attendance_url_name, args=[self.cohort.pk, session.pk]
                    ),
                )
                for session in self.sessions
            ],
            progress_url=cohort_admin_url(self.cohort),
            not_yet=self.not_yet,
        )
        if self.not_yet:
            context["marks"] = self.session.attendances.count()
            return context
        context.update(
            choices=CHOICES,
            present=Attendance.Status.PRESENT,
            # The forms of the message, for one and for more; the browser
            # puts in the count (cohorts/admin/attendance.js).
            marked_one=marked_present(1),
            marked_other=marked_present(2),
            page_obj=self.page,
            elided_page_range=self.page.paginator.get_elided_page_range(
                self.page.number
            ),
        )
        return context

    def form_valid(self, form):
        changed = form.save(self.request.user)
        audit.log_attendance(self.session, self.request.user, form.changes)
        messages.success(
            self.request,
            ngettext(
                "Attendance saved for %(session)s: %(count)s change.",
                "Attendance saved for %(session)s: %(count)s changes.",
                changed,
            )
            % {"session": self.session.title, "count": changed},
        )
        if form.kept:
            messages.warning(
                self.request,
                ngettext(
                    "Someone else changed the mark of %(names)s while you were "
                    "marking. Their mark was kept: check it below.",
                    "Someone else changed the marks of %(names)s while you were "
                    "marking. Their marks were kept: check them below.",
                    len(form.kept),
                )
                % {"names": ", ".join(person.name for person in form.kept)},
            )
        return redirect(self.request.get_full_path())

    def form_invalid(self, form):
        messages.error(
            self.request,
            gettext("The attendance could not be saved. Check the marked rows."),
        )
        return super().form_invalid(form)


def page_buttons(page, user, model, label, url_name, icon_name, priority):
    """A button on pages of ``model`` in the admin (their header and the
    listings' "more" menu) to the view ``url_name`` of the page, for those
    who may edit it."""
    specific_class = page.specific_class
    if specific_class is None or not issubclass(specific_class, model):
        return []
    if not page.permissions_for_user(user).can_edit():
        return []
    url = reverse(url_name, args=[page.pk])
    return [Button(label, url, icon_name=icon_name, priority=priority)]


def report_urls(view_class, viewset, name, **kwargs):
    """URL patterns of a report about one page, in ``viewset``'s namespace:
    ``<pk>/<name>/`` and ``<pk>/<name>/results/`` (``<name>_results``),
    which Wagtail's filters load without reloading the page."""

    def view(**more):
        return view_class.as_view(
            index_url_name=viewset.get_url_name(name),
            index_results_url_name=viewset.get_url_name(f"{name}_results"),
            **kwargs,
            **more,
        )

    return [
        path(f"<int:pk>/{name}/", view(), name=name),
        path(
            f"<int:pk>/{name}/results/", view(results_only=True), name=f"{name}_results"
        ),
    ]


def cohort_buttons(page, user):
    """A button to a cohort's attendance, on its page in the admin."""
    return page_buttons(
        page,
        user,
        CohortPage,
        _("Mark attendance"),
        "cohorts:attendance",
        icon_name="tick-inverse",
        priority=61,
    )


class RetentionConfirmForm(WagtailAdminModelForm):
    confirm = forms.BooleanField(
        label=_("Erase the personal content of this cohort"),
        help_text=_(
            "Enrolments, attendance, reflections, comments and invitations of "
            "this cohort are erased at the next run; the cohort and its "
            "sessions stay. The accounts of its participants who are in no "
            "other cohort and have no role in the admin are erased after it."
        ),
    )

    class Meta:
        model = RetentionReview
        fields = []

    def clean_confirm(self):
        if self.instance.confirmed_at is not None:
            raise forms.ValidationError(_("Already confirmed."))
        return True


class RetentionConfirmView(generic.EditView):
    def save_instance(self):
        retention.confirm(self.object, self.request.user)
        return self.object


class RetentionReviewViewSet(ModelViewSet):
    """Cohorts past their retention, for coordinators to confirm."""

    model = RetentionReview
    form_fields = []
    edit_view_class = RetentionConfirmView
    add_to_admin_menu = False
    icon = "time"
    menu_label = _("Retention")
    url_prefix = "training/retention"
    list_display = ["cohort", "due_since", "listed_at", "confirmed_at", "erased_at"]
    list_filter = ["confirmed_at", "erased_at"]

    def get_form_class(self, for_update=False):
        return RetentionConfirmForm
