"""Signing in and out on the public site, the language switch, and the page
for a form sent from a page out of date (signed in again meanwhile)."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.localization import get_localized_response
from wagtail.users.models import UserProfile

from . import links
from .forms import LinkRequestForm, PasswordSignInForm
from .tasks import request_link

LINK_PREFIX = "link"

#: What a person is told when a limit on link requests stops theirs: each
#: says what they can do now. Neither tells whether an address is enrolled:
#: every address, and every client, is counted alike.
LIMIT_MESSAGES = {
    # A whole organisation's staff may share one address on the internet.
    links.CLIENT: gettext_lazy(
        "Too many sign-in links have been asked for from your network in the "
        "last hour. A link in your email that you have not used yet still "
        "works; otherwise please try again in a while."
    ),
    links.ADDRESS: gettext_lazy(
        "Too many sign-in links have been asked for this address in the last "
        "hour. If it is enrolled, use a link in your email that you have not "
        "used yet (look in the junk email folder too), or try again in an "
        "hour."
    ),
}


class SignInView(LoginView):
    """The sign-in page: a new link by email for everyone, and below it the
    password form for staff who have a password."""

    template_name = "signin/sign_in.html"
    form_class = PasswordSignInForm

    def get_default_redirect_url(self):
        return links.destination(self.request.user)

    def get_form(self, form_class=None, bound=True):
        form_class = form_class or self.get_form_class()
        kwargs = self.get_form_kwargs() if bound else {"request": self.request}
        form = form_class(**kwargs)
        # The page is mostly for participants: no jump to the staff's form.
        form.fields["username"].widget.attrs.pop("autofocus", None)
        return form

    def form_valid(self, form):
        return remember_language(self.request, super().form_valid(form))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("link_form", LinkRequestForm(prefix=LINK_PREFIX))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if f"{LINK_PREFIX}-email" not in request.POST:
            return super().post(request, *args, **kwargs)
        form = LinkRequestForm(request.POST, prefix=LINK_PREFIX)
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"]
            limit = links.throttled(email, links.client_ip(request))
            if limit is None:
                # Looked up away from the request, so that it takes the
                # same time whether or not the address is enrolled.
                # The page the person was on the way to (a reminder's link
                # to their reflection) is where the link leads, as the
                # password form does; not an address elsewhere.
                request_link.enqueue(
                    email, self.get_redirect_url(), translation.get_language()
                )
                # The same answer whether or not the address is enrolled.
                messages.success(
                    request,
                    _(
                        "If the address is enrolled, a sign-in link is on its "
                        "way. Check your email."
                    ),
                )
                return redirect(request.get_full_path())
            form.add_error("email", LIMIT_MESSAGES[limit])
            status = 429
        context = self.get_context_data(link_form=form, form=self.get_form(bound=False))
        return self.render_to_response(context, status=status)


class SignOutView(LogoutView):
    next_page = "login"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return response


@never_cache
@require_http_methods(["GET", "POST"])
def link(request, token):
    """A sign-in link. Opening it only shows a button: mail scanners that
    open every link must not use it up. The button signs in."""
    found = links.find_link(token)
    next_url = request.POST.get("next", request.GET.get("next", ""))
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if found is None or not found.is_usable():
        if found is not None and request.user.pk == found.user_id:
            # Its owner, signed in already, opened it again (an old email
            # clicked once more): on to where it led.
            return redirect(next_url or links.destination(found.user))
        return link_not_usable(request, found, next_url)
    if links.can_reach_admin(found.user):
        # Email alone never opens the admin; the link stays unused.
        return render(
            request,
            "signin/link_needs_password.html",
            {
                "sign_in_url": links.sign_in_url(),
                "password_reset_url": links.password_reset_url(),
            },
            status=403,
        )
    if request.method == "GET":
        return render(request, "signin/link.html", {"next": next_url})
    if not links.use_link(found):
        return link_not_usable(request, found, next_url)
    login(request, found.user)
    # Marks the session as opened by email alone, at this address
    # (LinkSessionMiddleware).
    request.session[links.LINK_SESSION_KEY] = found.user.email.casefold()
    response = redirect(next_url or links.destination(found.user))
    return remember_language(request, response)


@never_cache
@require_http_methods(["GET", "HEAD"])
def password_reset(request, **kwargs):
    """The admin's page where a password is set (``uidb64`` and ``token``)
    or a new one asked for, in the language of this address. The admin's
    addresses have no language prefix, so a person not signed in reads them
    in the language chosen on the browser (PreferredLanguageMiddleware):
    this address chooses it, for the pages that follow and the email the
    admin sends, as the language switch does."""
    view = (
        "wagtailadmin_password_reset_confirm"
        if kwargs
        else "wagtailadmin_password_reset"
    )
    response = redirect(view, **kwargs)
    set_language_cookie(response, translation.get_language())
    return response


def link_not_usable(request, found, next_url=""):
    """The page of a link that no longer works, where a new one is asked
    for: it leads on to ``next_url`` (a safe path, checked by ``link``), as
    the old one would have, through the sign-in page's own ``next``."""
    action = reverse("login")
    if next_url:
        action += "?" + urlencode({"next": next_url})
    return render(
        request,
        "signin/link_not_usable.html",
        {
            "link_form": LinkRequestForm(prefix=LINK_PREFIX),
            "known": found is not None,
            "action": action,
        },
        status=404 if found is None else 410,
    )


def remember_language(request, response):
    """On signing in on a browser where no language has been chosen, the
    person's profile language becomes the choice (PreferredLanguageMiddleware).
    A person with no language of their own has just taken the browser's, or
    else that of the page signed in on (``signals.take_chosen_language``):
    a link asked for on /sv/ and opened on another device (Outlook on a
    phone) leads on to /my/ in Swedish, not in the site's Finnish."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return response
    language = (
        UserProfile.objects.filter(user=request.user)
        .values_list("preferred_language", flat=True)
        .first()
    )
    if language in dict(settings.LANGUAGES):
        set_language_cookie(response, language)
    return response


def set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request):
    """Django's ``set_language``, remembered also in a signed-in person's
    profile, which the admin and the emails use too."""
    # The page the switch was on is read in its own language, so that its
    # address can be turned into the new language's.
    next_path = urlsplit(request.POST.get("next", "")).path
    with translation.override(
        translation.get_language_from_path(next_path) or settings.LANGUAGE_CODE
    ):
        response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER)
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        UserProfile.objects.update_or_create(
            user=request.user, defaults={"preferred_language": language}
        )
    return response


def csrf_failure(request, reason=""):
    """Django's ``CSRF_FAILURE_VIEW``: a form sent with a CSRF token this
    browser no longer has is refused, as Django refuses it, and the person
    is told in their own words why and what to do. Signing in gives the
    browser a new token, so a page opened before signing in again in
    another window sends an old one. The ``reason`` is for the log, where
    Django writes it. A script that asks for JSON (the reflection's
    autosave) is answered in JSON."""
    if request.path.startswith(reverse("wagtailadmin_home")):
        # In the language the admin speaks to the person, as its pages are.
        return get_localized_response(out_of_date, request, in_admin=True)
    return out_of_date(request)


def out_of_date(request, in_admin=False):
    answer_type = request.get_preferred_type(["text/html", "application/json"])
    # The admin's own scripts read an error of their own kind.
    if answer_type == "application/json" and not in_admin:
        error = _(
            "Not saved: this page is out of date, for example because you "
            "signed in again in another window. Your text is kept on this "
            "device: reload the page to go on."
        )
        return JsonResponse({"error": error}, status=403)
    back = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # The page the form was on, as a path on this site ("//elsewhere/"
        # left after the scheme and host are taken off is another site).
        back = urlsplit(back)._replace(scheme="", netloc="").geturl()
        if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
            back = ""
    else:
        back = ""
    return render(
        request,
        "signin/out_of_date.html",
        {
            # The page the form was on, to open again with the new token.
            "back": back,
            # Only the public site's reflections and comments keep their
            # text on the device (reflection.js).
            "in_admin": in_admin,
        },
        status=403,
    )
