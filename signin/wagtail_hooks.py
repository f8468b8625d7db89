from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .links import LINK_ISSUED, Kind, render_sign_in


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
