from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .links import LINK_SESSION_KEY, can_reach_admin
from .models import SignedInSession


class PreferredLanguageMiddleware:
    """Pages without a language prefix in the language the person chose
    with the language switch (or, on signing in, their profile's).

    LocaleMiddleware gives such an address the default language, Finnish,
    and the URL resolver then reads it as Finnish. So a request for a page
    that has an address in the chosen language is redirected there (GET and
    HEAD only; a form posted there stays Finnish, as its address says), and
    any other page, such as the calendar's, is shown in that language where
    it is. Browsers' Accept-Language is not used: on locked-down work laptops
    it rarely says what the person reads best.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (
            language in dict(settings.LANGUAGES)
            and language != translation.get_language()
            and not translation.get_language_from_path(request.path_info)
        ):
            here = request.path
            there = translate_url(here, language)
            if there == here:
                translation.activate(language)
                request.LANGUAGE_CODE = language
            elif request.method in ("GET", "HEAD") and url_has_allowed_host_and_scheme(
                # A path such as //elsewhere.example/ reads as another host.
                there,
                allowed_hosts={request.get_host()},
            ):
                query = request.META.get("QUERY_STRING")
                response = redirect(f"{there}?{query}" if query else there)
                patch_vary_headers(response, ["Cookie"])
                return response
        return self.get_response(request)


class LinkSessionMiddleware:
    """A session opened by a sign-in link never reaches the admin, and acts
    on the public site with no permission at all: links go only to people
    who cannot use the admin, and so have no more than a participant's
    rights. A participant may be given more while signed in by link (made
    a trainer, a group given admin access or reflections to read, a
    permission of their own): the admin then signs them out and asks for
    their password, and the public site goes on treating them as a
    participant (``signals.py`` also ends a link-only account's sessions
    when it gains the admin). A session opened at an address the account no
    longer has is signed out. Costs no query: the account is read anyway by
    the pages it reaches, and its permissions are never read. Goes after
    AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        opened_at = request.session.get(LINK_SESSION_KEY)
        if opened_at and request.user.is_authenticated:
            user = request.user
            if isinstance(opened_at, str) and opened_at != user.email.casefold():
                # Opened from a mailbox that is no longer the person's (a
                # corrected address): whoever read it there is signed out.
                logout(request)
            elif request.path.startswith(reverse("wagtailadmin_home")):
                if can_reach_admin(user):
                    logout(request)
                    return redirect_to_login(
                        request.get_full_path(), reverse("wagtailadmin_login")
                    )
            elif user.is_staff or user.is_superuser:
                # A superuser has every permission whatever is cached.
                logout(request)
            else:
                # ModelBackend reads these before it queries.
                user._perm_cache = user._user_perm_cache = set()
                user._group_perm_cache = set()
        return self.get_response(request)


class SessionKeyMiddleware:
    """A session given a new key while signed in (a changed password:
    Django's ``update_session_auth_hash``) stays recorded under its new key
    (``SignedInSession``, recorded on signing in), so that closing the
    account still ends it. Costs no query while the key stays the same.
    Goes after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        old_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        new_key = request.session.session_key
        if old_key and old_key != new_key:
            SignedInSession.objects.filter(session_key=old_key).delete()
            if new_key and request.user.is_authenticated:
                SignedInSession.objects.update_or_create(
                    session_key=new_key, defaults={"user": request.user}
                )
        return response


class AdminLanguageMiddleware:
    """The admin in the language its user chose in their account, all of it.

    Wagtail shows its views in that language, but not what it answers
    around them: the "no permission" message after a refused page, or the
    "page not found" of a page that is not there, came in the language of
    the address, which for the admin (no language prefix) is the site's
    default, Finnish. Costs no query: Wagtail reads the same permissions
    and profile for the view. Goes after AuthenticationMiddleware and
    LinkSessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and request.path.startswith(reverse("wagtailadmin_home"))
            # As Wagtail does: the admin's language is for those it lets in
            # (the permissions are read once, for Wagtail's check too).
            and request.user.has_perm("wagtailadmin.access_admin")
        ):
            # A missing profile reads as None (its error is an AttributeError).
            profile = getattr(request.user, "wagtail_userprofile", None)
            language = profile.get_preferred_language() if profile else None
            if language in dict(settings.LANGUAGES):
                request.LANGUAGE_CODE = language
                # For this request only: the language of the address again
                # after it (a streamed body, such as an export's, is in that).
                with translation.override(language):
                    return self.get_response(request)
        return self.get_response(request)
