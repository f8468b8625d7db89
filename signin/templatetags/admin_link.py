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

from ..header import header_links, offered

register = template.Library()

#: Session key of the kept answer: [shown, when it was decided].
SESSION_KEY = "virtu_admin_link"
#: Session key of the header links' answers: [{name: shown}, when].
LINKS_SESSION_KEY = "virtu_header_links"
#: How long a kept answer is used, in seconds: a person made a trainer sees
#: the link at the latest this long after.
KEEP_SECONDS = 300


@register.simple_tag(takes_context=True)
def admin_link_shown(context):
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return False
    if request is None or not hasattr(request, "session"):
        return user.has_perm("wagtailadmin.access_admin")
    kept = request.session.get(SESSION_KEY)
    now = time.time()
    if not kept or not 0 <= now - kept[1] < KEEP_SECONDS:
        kept = [user.has_perm("wagtailadmin.access_admin"), now]
        request.session[SESSION_KEY] = kept
    return kept[0]


@register.simple_tag(takes_context=True)
def site_header_links(context):
    """The header links (``signin.header.HeaderLink``) offered to the
    signed-in person, in order."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    links = header_links()
    if request is None or not hasattr(request, "session"):
        return [link for link in links if link.shown_to(user)]
    kept = request.session.get(LINKS_SESSION_KEY)
    now = time.time()
    names = {link.name for link in links}
    if not kept or not 0 <= now - kept[1] < KEEP_SECONDS or set(kept[0]) != names:
        kept = [offered(user), now]
        request.session[LINKS_SESSION_KEY] = kept
    return [link for link in links if kept[0][link.name]]
