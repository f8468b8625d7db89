"""The site's URLs plus a bare signed-in view, the reference the benchmarks
measure pages against: it loads the session and the user, as every signed-in
page does, and nothing else."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from virtu import urls as site_urls

BARE_PATH = "/benchmark/bare/"


@login_required
@never_cache
def bare_signed_in(request):
    return HttpResponse(request.user.get_username(), content_type="text/plain")


urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare_signed_in, name="bare_signed_in"),
    *site_urls.urlpatterns,
]
