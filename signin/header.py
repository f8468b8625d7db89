"""The links of the public site's header that the apps put there, each for
those it is for.

An app registers a function with the ``register_site_header_link`` hook
that returns a ``HeaderLink``; the header shows them in the hook's order
(``order=``), before the link to the admin. Whether a person is offered a
link is decided with the admin link's answer and kept in the session as
long (``templatetags/admin_link.py``): every page of the site shows the
header. It only decides what is offered: each page checks access itself.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from wagtail import hooks

HOOK = "register_site_header_link"


def everyone(user):
    return True


@dataclass(frozen=True)
class HeaderLink:
    #: Its key in the session's kept answers.
    name: str
    label: str
    url_name: str
    #: Whether ``user`` (signed in) is offered the link.
    shown_to: Callable = everyone

    @property
    def url(self):
        """Its address; "" where the site has not included the app's URLs
        (the link is then left out, not every page broken)."""
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return ""


def header_links():
    return [link() for link in hooks.get_hooks(HOOK)]
