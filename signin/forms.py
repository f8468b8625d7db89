from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm
from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm

from . import conf, links, throttling


class LinkRequestForm(forms.Form):
    """An address to send a new sign-in link to."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ThrottledLoginMixin:
    """Refuses a password sign-in, without checking the password, once the
    user name or the client's address has had too many wrong passwords in
    the last hour; counted in the cache all processes share."""

    throttled_message = _(
        "Too many wrong passwords. For your account's safety, signing in "
        "is paused: please try again in an hour."
    )

    def clean(self):
        username = self.data.get("username", "")
        ip = throttling.client_ip(self.request) if self.request else "unknown"
        keys = [
            (
                throttling.key("password:account", username),
                conf.password_failures_per_account(),
            ),
            (throttling.key("password:ip", ip), conf.password_failures_per_ip()),
        ]
        if any(throttling.reached(key, limit) for key, limit in keys):
            raise ValidationError(self.throttled_message, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            for key, __ in keys:
                throttling.count(key)
            raise


class PasswordSignInForm(ThrottledLoginMixin, AuthenticationForm):
    """The password form of the sign-in page."""


class AdminLoginForm(ThrottledLoginMixin, LoginForm):
    """Wagtail's admin sign-in form (``WAGTAILADMIN_USER_LOGIN_FORM``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Wagtail's field has no label, so Django made one of its name, in
        # English on a Finnish or Swedish page.
        self.fields["password"].label = _("Password")


class PasswordResetForm(WagtailPasswordResetForm):
    """Wagtail's form that emails a password reset link
    (``WAGTAILADMIN_USER_PASSWORD_RESET_FORM``). Anyone may post it for
    any address, so it is limited as asking for a sign-in link is, on the
    same counters. An address that has had its links for the hour is told
    so, as on the sign-in page (the counters count every address alike,
    so this tells nothing about who has an account); a client over its own
    limit is sent nothing, and the page answers as it always does."""

    def clean_email(self):
        email = self.cleaned_data["email"]
        if throttling.reached(
            throttling.key("sign-in:address", email), conf.links_per_address()
        ):
            raise ValidationError(
                _(
                    "Too many links have been asked for this address. Please "
                    "try again in an hour."
                ),
                code="throttled",
            )
        return email

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        ip = throttling.client_ip(request) if request else "unknown"
        if links.throttled(email, ip):
            return
        super().save(*args, request=request, **kwargs)
