"""``{% site_name %}``: the site's name in the frame of its public pages,
as the admin calls it (``WAGTAIL_SITE_NAME``)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_name():
    return getattr(settings, "WAGTAIL_SITE_NAME", "") or "Virtu"
