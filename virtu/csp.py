"""A content security policy for the public site.

Participants' text is shown to other participants, so the pages they see
allow only this site's own scripts and styles: were escaping ever to fail,
an injected script would still not run. The Wagtail admin, which has inline
scripts of its own, is left to Wagtail.
"""

from django.conf import settings
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.utils.csp import CSP

#: The policy of every public page.
POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


class PublicSiteCSPMiddleware(ContentSecurityPolicyMiddleware):
    """Django's CSP middleware (``SECURE_CSP``), except under the admin."""

    def process_response(self, request, response):
        if request.path_info.startswith(settings.VIRTU_CSP_EXEMPT_PATHS):
            return response
        return super().process_response(request, response)
