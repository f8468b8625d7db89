"""The outbox in the admin: coordinators see every email with its state and
last error, and can have the due ones sent now; nobody changes them. Its
inspect page (local times, text in its lines) is the one the training
listings above use too."""

import datetime

import django_filters
from django.contrib import messages
from django.shortcuts import redirect
from django.template.defaultfilters import linebreaks_filter
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from . import kinds
from .listing import counted
from .models import OutgoingEmail
from .tasks import send_outbox


class OutboxPermissionPolicy(ModelPermissionPolicy):
    """Viewing only: the outbox is a record of what was sent, so nobody,
    superusers included, adds, edits or deletes a message here."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(set(actions) & {"view"})


def kind_label(email):
    return kinds.label(email.kind)


def field_label(name):
    return capfirst(OutgoingEmail._meta.get_field(name).verbose_name)


class OutboxColumn(Column):
    """A column of the outbox listing, which scrolls sideways in its box."""

    class Media:
        css = {"all": ["outbox/outbox.css"]}


class TimeColumn(OutboxColumn):
    """A time in the short local format, so that it takes one line or two."""

    def get_value(self, instance):
        value = super().get_value(instance)
        if value is None:
            return ""
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


class OutgoingEmailFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=kinds.choices)

    class Meta:
        model = OutgoingEmail
        fields = ["state", "kind"]


class OutboxIndexView(generic.IndexView):
    results_template_name = "outbox/index_results.html"
    paginator_class = counted(
        ngettext_lazy("%(count)s email", "%(count)s emails", "count")
    )
    send_now_url_name = None

    def get_base_queryset(self):
        # The listing shows none of the message itself, and its text, HTML and
        # calendar are most of a row: they are read when one email is opened.
        return super().get_base_queryset().defer("text", "html", "ics")

    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                _("Send due emails now"),
                reverse(self.send_now_url_name),
                icon_name="mail",
                # Wagtail's action controller sends it as a POST with the token.
                attrs={"data-controller": "w-action", "data-action": "w-action#post"},
            ),
        ]


class Paragraphs(Component):
    """Text of several lines (an email, a reflection's answers) with its
    line breaks, which HTML would run together."""

    def __init__(self, text):
        self.text = text

    def render_html(self, parent_context=None):
        # The filter escapes the text, then marks its paragraphs safe;
        # outbox.css wraps a long link.
        return format_html(
            '<div class="outbox-lines">{}</div>',
            linebreaks_filter(self.text, autoescape=True),
        )


class LocalInspectView(generic.InspectView):
    """Wagtail's inspect page, with times in local time (Wagtail's writes
    them as stored, in UTC), yes and no in words (not "True") and text in
    its lines."""

    template_name = "outbox/inspect.html"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, str) and "\n" in value:
            return Paragraphs(value)
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        return value


class OutboxInspectView(LocalInspectView):
    def get_kind_display_value(self):
        return kind_label(self.object)

    def get_text_display_value(self):
        # Whoever reads the outbox could otherwise sign in as the recipient.
        if kinds.holds_sign_in_link(self.object.kind):
            return _("Not shown: this email holds a personal sign-in link.")
        return self.object.text


class SendNowView(PermissionCheckedMixin, View):
    """Sends what is due without waiting for the timer, e.g. once the mail
    server is back."""

    model = OutgoingEmail
    permission_required = "view"
    http_method_names = ["post"]
    index_url_name = None

    def post(self, request):
        send_outbox.enqueue()
        messages.success(request, _("The emails that are due are being sent."))
        return redirect(self.index_url_name)


class OutgoingEmailViewSet(ModelViewSet):
    model = OutgoingEmail
    index_view_class = OutboxIndexView
    inspect_view_class = OutboxInspectView
    icon = "mail"
    menu_label = _("Outbox")
    add_to_admin_menu = False
    url_prefix = "training/outbox"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        # In context: Wagtail's redirects use a bare "To" for the target.
        OutboxColumn(
            "to",
            label=pgettext_lazy("recipient", "To"),
            sort_key="to",
            classname="outbox-sticky",
        ),
        OutboxColumn(
            "subject",
            label=field_label("subject"),
            sort_key="subject",
            classname="outbox-wide",
        ),
        OutboxColumn("kind", label=_("Kind"), accessor=kind_label, sort_key="kind"),
        OutboxColumn(
            "state",
            label=field_label("state"),
            accessor="get_state_display",
            sort_key="state",
        ),
        OutboxColumn(
            "attempts",
            label=field_label("attempts"),
            sort_key="attempts",
            classname="outbox-narrow",
        ),
        TimeColumn(
            "next_attempt_at",
            label=field_label("next_attempt_at"),
            sort_key="next_attempt_at",
        ),
        TimeColumn("sent_at", label=field_label("sent_at"), sort_key="sent_at"),
        OutboxColumn(
            "last_error", label=field_label("last_error"), classname="outbox-wide"
        ),
    ]
    #: Nobody may edit (see OutboxPermissionPolicy); the form is never shown.
    form_fields = []
    filterset_class = OutgoingEmailFilterSet
    search_fields = ["to"]
    ordering = ["-created_at"]
    inspect_view_fields = [
        "to",
        "subject",
        "kind",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "text",
        "ics",
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            send_now_url_name=self.get_url_name("send_now"), **kwargs
        )

    @property
    def send_now_view(self):
        return self.construct_view(
            SendNowView, index_url_name=self.get_url_name("index")
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("send/", self.send_now_view, name="send_now"),
        ]
