"""The outbox in the admin: coordinators see every email with its state and
last error, and can have the due ones sent now; nobody changes them."""

import django_filters
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import View
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from . import kinds
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


class OutgoingEmailFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=kinds.choices)

    class Meta:
        model = OutgoingEmail
        fields = ["state", "kind"]


class OutboxIndexView(generic.IndexView):
    send_now_url_name = None

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


class OutboxInspectView(generic.InspectView):
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
        Column("to", label=pgettext_lazy("recipient", "To"), sort_key="to"),
        "subject",
        Column("kind", label=_("Kind"), accessor=kind_label, sort_key="kind"),
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
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
