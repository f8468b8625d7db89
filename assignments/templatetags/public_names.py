"""How people are named to each other on the public site."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def public_name(user, role="participant"):
    """The name of ``user`` as other people see it: never the email address
    (which ``Enrollment.name`` falls back to), but "A participant" or, with
    ``role`` "trainer", "A trainer" (lazy texts: an email renders them in
    its reader's language)."""
    if user is not None and (name := user.get_full_name().strip()):
        return name
    return _("A trainer") if role == "trainer" else _("A participant")


@register.filter
def author_name(reflection):
    """The name of a reflection's author as others see it; "Deleted user"
    once the author is erased."""
    if reflection.author_id is None:
        return _("Deleted user")
    return public_name(reflection.author.user)
