from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.shortcuts import redirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from signin import views as signin_views


def favicon(request):
    # Looked up per request: a hashed static name needs the collected files.
    return redirect(static_url("virtu/favicon.ico"), permanent=True)


urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", favicon),
    # Django's language switch, remembered in a signed-in person's profile.
    path("i18n/setlang/", signin_views.set_language, name="set_language"),
    # Outside the language prefixes: a subscribed feed's URL must not change.
    path("calendar/", include("cohorts.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    # Sign-in by a link sent by email; in the person's language, as the
    # links in the emails are.
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", signin_views.SignOutView.as_view(), name="logout"),
    path("accounts/", include("signin.urls")),
    path("", include("privacy.urls")),
    path("my/impact/", include("impact.urls")),
    path("my/", include("assignments.urls")),
    path("library/", include("library.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
