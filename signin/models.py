from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInLink(models.Model):
    """A personal sign-in link, sent by email. It works once and only until
    it expires; only a hash of its token is stored, so the link exists in
    the email alone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="sign_in_links",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [
            models.Index(fields=["user", "created_at"], name="signin_link_user_idx")
        ]

    def __str__(self):
        return str(self.user)

    def is_usable(self, now=None):
        return self.used_at is None and (now or timezone.now()) < self.expires_at


class SignedInSession(models.Model):
    """A session someone signed in to, so that closing their account or
    changing its address can end it wherever sessions are kept (the
    database, a shared cache): Django keeps no index of a person's
    sessions. Kept from signing in until signing out, or until the session
    would have expired."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
    )
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(_("signed in"), default=timezone.now)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self):
        return str(self.user)
