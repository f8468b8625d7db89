"""The privacy officer's admin: exporting anyone's data, entering and
approving erasures, and the access log. Model permissions (given by the
migrations to Privacy officers and Coordinators) decide who sees them."""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from courses.exports import ModelListingExportMixin
from signin.links import can_reach_admin

from . import access, erasure
from .models import (
    AccessibilityFeedback,
    AccessLogEntry,
    DataExport,
    ErasureRequest,
)
from .views import start_export


class PersonForm(WagtailAdminModelForm):
    """Names the person by their email address."""

    email = forms.EmailField(label=_("Email address of the person"))

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.subject = (
            get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
        )
        if self.subject is None:
            raise forms.ValidationError(_("No one has this email address."))
        # A privacy officer or coordinator does not reach the account of
        # anyone who uses the admin through this form (an erasure closes
        # the account): staff ask for their own data on their data page.
        if can_reach_admin(self.subject) and not getattr(
            self.for_user, "is_superuser", False
        ):
            raise forms.ValidationError(
                _(
                    "Only a superuser can export or erase the data of someone "
                    "who uses the admin."
                )
            )
        return email


class DataExportForm(PersonForm):
    class Meta:
        model = DataExport
        fields = []


class DataExportCreateView(CreateView):
    def save_instance(self):
        return start_export(self.form.subject, self.request.user)


class DownloadColumn(Column):
    """A download link for the export's own requester while it lasts."""

    cell_template_name = "privacy/admin/download_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        mine = request is not None and instance.requested_by_id == request.user.pk
        context["url"] = (
            reverse("privacy:download", args=[instance.pk])
            if mine and instance.is_ready()
            else ""
        )
        return context


class DataExportViewSet(ModelViewSet):
    model = DataExport
    form_fields = []
    add_view_class = DataExportCreateView
    icon = "download"
    menu_label = _("Data exports")
    url_prefix = "privacy/exports"
    list_display = [
        "subject",
        "requested_by",
        "requested_at",
        "expires_at",
        DownloadColumn("download", label=_("Download")),
    ]
    search_fields = ["subject__email", "subject__first_name", "subject__last_name"]

    def get_form_class(self, for_update=False):
        return DataExportForm

    def get_queryset(self, request):
        return DataExport.objects.defer("archive").select_related(
            "subject", "requested_by"
        )


class ErasureRequestForm(PersonForm):
    class Meta:
        model = ErasureRequest
        fields = ["reason"]


class ErasureDecisionForm(WagtailAdminModelForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve: erase after the cool-off period")),
            ("withdraw", _("Withdraw the request")),
        ],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ErasureRequest
        fields = []

    def clean_decision(self):
        decision = self.cleaned_data["decision"]
        State = ErasureRequest.State
        if decision == "approve" and self.instance.state != State.REQUESTED:
            raise forms.ValidationError(_("Only a waiting request can be approved."))
        # The person may have asked on their own data page: an erasure of
        # someone who uses the admin closes an account that only a superuser
        # may reach, as on the form that enters one.
        if (
            decision == "approve"
            and self.instance.subject is not None
            and can_reach_admin(self.instance.subject)
            and not getattr(self.for_user, "is_superuser", False)
        ):
            raise forms.ValidationError(
                _(
                    "Only a superuser can export or erase the data of someone "
                    "who uses the admin."
                )
            )
        if decision == "withdraw" and not self.instance.can_withdraw:
            raise forms.ValidationError(_("The erasure has already begun."))
        return decision


class ErasureRequestCreateView(CreateView):
    def get_initial(self):
        # The person, where the link here named them (the Users screens'
        # refusal to delete an account with training data).
        return {**super().get_initial(), "email": self.request.GET.get("email", "")}

    def save_instance(self):
        return erasure.request(
            self.form.subject, self.request.user, self.form.cleaned_data["reason"]
        )


class ErasureDecisionView(EditView):
    def save_instance(self):
        if self.form.cleaned_data["decision"] == "approve":
            erasure.approve(self.object, self.request.user)
        else:
            erasure.withdraw(self.object, self.request.user)
        return self.object


class ErasureRequestViewSet(ModelViewSet):
    model = ErasureRequest
    form_fields = ["reason"]
    add_view_class = ErasureRequestCreateView
    edit_view_class = ErasureDecisionView
    icon = "bin"
    menu_label = _("Erasure requests")
    url_prefix = "privacy/erasures"
    list_display = [
        "__str__",
        "subject",
        "state",
        "requested_at",
        "approved_at",
        "run_after",
        "finished_at",
    ]
    list_filter = ["state"]
    search_fields = ["subject__email", "subject__first_name", "subject__last_name"]
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return ErasureDecisionForm if for_update else ErasureRequestForm


class AccessLogIndexView(ModelListingExportMixin, IndexView):
    """The access log, exported for a person who asks who has read their
    data: in the officer's language and local time, no cell a formula (the
    names are the people's own), and the export itself logged."""

    def as_spreadsheet(self, queryset, spreadsheet_format):
        response = super().as_spreadsheet(queryset, spreadsheet_format)
        access.record(
            self.request.user,
            access.Action.EXPORT_LISTING,
            target=str(self.get_page_title()),
        )
        return response


class AccessLogViewSet(ModelViewSet):
    model = AccessLogEntry
    index_view_class = AccessLogIndexView
    icon = "history"
    menu_label = _("Access log")
    url_prefix = "privacy/access-log"
    form_fields = []
    list_display = ["timestamp", "actor_name", "action", "subject_name", "target"]
    list_filter = ["action", "timestamp"]
    list_export = ["timestamp", "actor_name", "action", "subject_name", "target"]
    search_fields = ["actor_name", "subject_name", "target"]
    inspect_view_enabled = True


class AnsweredForm(WagtailAdminModelForm):
    answered = forms.BooleanField(label=_("Answered"), required=False)

    class Meta:
        model = AccessibilityFeedback
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answered"].initial = self.instance.answered_at is not None

    def save(self, commit=True):
        answered = self.cleaned_data["answered"]
        if answered and self.instance.answered_at is None:
            self.instance.answered_at = timezone.now()
        elif not answered:
            self.instance.answered_at = None
        return super().save(commit)


class AccessibilityFeedbackViewSet(ModelViewSet):
    model = AccessibilityFeedback
    icon = "mail"
    menu_label = _("Accessibility feedback")
    url_prefix = "privacy/accessibility-feedback"
    form_fields = []
    list_display = ["__str__", "received_at", "answer_by", "answered_at"]
    list_filter = ["answered_at"]
    search_fields = ["name", "email", "message"]
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return AnsweredForm


class PrivacyViewSetGroup(ViewSetGroup):
    menu_label = _("Personal data")
    menu_icon = "lock"
    menu_order = 160
    items = (
        DataExportViewSet("data_exports"),
        ErasureRequestViewSet("erasure_requests"),
        AccessLogViewSet("access_log"),
        AccessibilityFeedbackViewSet("accessibility_feedback"),
    )
