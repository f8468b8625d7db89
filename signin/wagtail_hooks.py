from wagtail import hooks

from .links import Kind, render_sign_in


@hooks.register("register_email_kinds")
def sign_in_email_kinds():
    return Kind


@hooks.register("register_email_renderers")
def sign_in_email_renderers():
    return {Kind.SIGN_IN: render_sign_in}
