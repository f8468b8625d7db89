from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .links import LINK_ISSUED, Kind, render_sign_in
from .signals import end_sign_in_by_link, opened_and_closed, remember_active_states


@hooks.register("register_email_kinds")
def sign_in_email_kinds():
    return Kind


@hooks.register("register_email_renderers")
def sign_in_email_renderers():
    return {Kind.SIGN_IN: render_sign_in}


@hooks.register("register_log_actions")
def sign_in_log_actions(actions):
    actions.register_action(
        LINK_ISSUED, _("Sign-in link issued"), _("Sign-in link sent by email")
    )


@hooks.register("insert_global_admin_js")
def forget_kept_text_on_sign_out():
    """A trainer's feedback and comments kept on the device until saved
    (reflection.js) are forgotten when they sign out of the admin."""
    return format_html(
        '<script src="{}" data-sign-out-action="{}" defer></script>',
        static("virtu/sign-out.js"),
        reverse("wagtailadmin_logout"),
    )


@hooks.register("before_bulk_action")
def before_active_state_set(request, action_type, objects, action):
    if action_type == "set_active_state":
        remember_active_states(action, objects)


@hooks.register("after_bulk_action")
def closed_in_bulk(request, action_type, objects, action):
    """Wagtail's "Set active state" on the users' list saves no account, so
    the receivers of a save (``signals.py``) do not see it."""
    if action_type == "set_active_state":
        __, closed = opened_and_closed(action)
        end_sign_in_by_link(closed)


@hooks.register("after_edit_user")
def keep_own_session(request, user):
    """A coordinator who changes their own address in the users' list stays
    signed in on this browser, as on their account page (which gives the
    session a new key): the change ended every session of the account
    (``signals.py``), this one with it. Recorded under its new key
    (``SessionKeyMiddleware``)."""
    if user.pk == request.user.pk and user.is_active:
        request.session.cycle_key()
