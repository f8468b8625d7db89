"""``{% site_name %}``: the site's name in the frame of its public pages,
as the admin calls it (``WAGTAIL_SITE_NAME``)."""

from django import template

from outbox.conf import site_name

register = template.Library()

register.simple_tag(site_name, name="site_name")
