"""``{% admin_link_shown as shown %}``: whether the site's pages offer this
person a link to the admin.

Asking the permission costs two queries, and every page of the public site
shows the header, so the answer is kept in the session for a few minutes.
It only decides whether a link is shown: the admin checks access itself.
"""

import time

from django import template

register = template.Library()

#: Session key of the kept answer: [shown, when it was decided].
SESSION_KEY = "virtu_admin_link"
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
