"""``{% site_name %}``: the site's name in the frame of its public pages,
as the admin calls it (``WAGTAIL_SITE_NAME``); ``titled``: a page's title
followed by it."""

from django import template
from django.utils.html import conditional_escape, format_html

from outbox.conf import site_name

register = template.Library()

register.simple_tag(site_name, name="site_name")


@register.filter
def titled(title):
    """``title`` (a rendered block) followed by the site's name, for the
    ``<title>``; a page titled by the site's name (the front page) has it
    once, not "Virtu – Virtu"."""
    # A rendered block is escaped already (format_html leaves it so).
    site = conditional_escape(site_name())
    if conditional_escape(title).strip() in ("", site):
        return site
    return format_html("{} – {}", title, site)
