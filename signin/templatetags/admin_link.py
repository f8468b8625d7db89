"""``{% admin_link_shown as shown %}``: whether the site's pages offer this
person a link to the admin; ``{% site_header_links as links %}``: the apps'
links they are offered (``signin.header``).

Asking the permission costs two queries, and every page of the public site
shows the header, so the answers are kept in the session for a few minutes,
and decided together (a link for those who do not use the admin reuses the
permissions read for the admin link). They only decide what is shown: each
page checks access itself.
"""

import time

from django import template

from ..header import header_links

register = template.Library()

#: Session key of the kept answer: [shown, when it was decided].
SESSION_KEY = "virtu_admin_link"
#: Session key of the header links' answers: [{name: shown}, when].
LINKS_SESSION_KEY = "virtu_header_links"
#: How long a kept answer is used, in seconds: a person made a trainer sees
#: the link at the latest this long after.
KEEP_SECONDS = 300


def kept_answer(context, key, decide, still_fits=lambda answer: True):
    """``decide()``, kept in the session under ``key`` for KEEP_SECONDS (as
    [answer, when]) while it ``still_fits``; for no one signed in, None."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    if request is None or not hasattr(request, "session"):
        return decide()
    kept = request.session.get(key)
    now = time.time()
    if not kept or not 0 <= now - kept[1] < KEEP_SECONDS or not still_fits(kept[0]):
        kept = [decide(), now]
        request.session[key] = kept
    return kept[0]


@register.simple_tag(takes_context=True)
def admin_link_shown(context):
    user = context.get("user")
    return bool(
        kept_answer(
            context, SESSION_KEY, lambda: user.has_perm("wagtailadmin.access_admin")
        )
    )


@register.simple_tag(takes_context=True)
def site_header_links(context):
    """The header links (``signin.header.HeaderLink``) offered to the
    signed-in person, in order."""
    user = context.get("user")
    links = header_links()
    names = {link.name for link in links}
    shown = kept_answer(
        context,
        LINKS_SESSION_KEY,
        lambda: {link.name: bool(link.shown_to(user)) for link in links},
        # Kept answers name the links there are (none added or gone since).
        still_fits=lambda answer: set(answer) == names,
    )
    return [link for link in links if shown and shown[link.name]]
