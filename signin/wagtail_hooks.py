from wagtail import hooks

from .links import Kind


@hooks.register("register_email_kinds")
def sign_in_email_kinds():
    return Kind
