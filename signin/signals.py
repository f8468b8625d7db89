"""Sessions opened by a sign-in link end when their account gains the
admin, is closed, or changes its address.

Links go only to people who cannot use the admin, but a participant may be
made a trainer (or given any group with admin access) while signed in by
one. ``LinkSessionMiddleware`` keeps such a session out of the admin, and
has it act on the public site with no permission, as the participant it
was opened for. Joining a group with admin access (being made a trainer)
or being made staff also ends the account's sessions, so that they sign in
again as who they are now: an account that signs in only by link has an
unusable password, and a new unusable one changes the hash every session of
the account is checked against (Django's ``get_session_auth_hash``). From
then on they sign in with a password, as everyone with admin access does.

Someone with a usable password signed in by link keeps that session, as a
participant, until it expires or they sign out (made staff or superuser,
the middleware signs it out).

An account closed, or given another address, loses its links not yet used
and every session, with a password or without: a link waiting in a mailbox
that is no longer the person's (a corrected address, someone who left)
must not open the account, nor must a browser signed in before (a lost
laptop, a shared computer), once the account is opened again. Each session
signed in to is recorded (``SignedInSession``) and ended in the session
store every process shares; a password is never changed for it.
``previous_account`` (the address and whether the account was open, before
a save) is read here once for every app that acts on such a change (the
cohorts' calendars)."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from .links import LINK_SESSION_KEY, can_reach_admin
from .models import SignedInSession, SignInLink

User = get_user_model()


def end_link_sessions(users):
    """Sign out, everywhere, those of ``users`` who sign in only by link,
    have used a link, and can now reach the admin. (Someone who never
    signed in by link has no such session: a new trainer's account is left
    as it is.)"""
    signed_in = set(
        SignInLink.objects.filter(
            user__in=[user.pk for user in users], used_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    for user in users:
        if (
            user.pk in signed_in
            and not user.has_usable_password()
            and can_reach_admin(user)
        ):
            sign_out_everywhere(user)


def end_sign_in_by_link(users, now=None):
    """``users``' links not yet used stop working, and every session they
    signed in to ends."""
    now = now or timezone.now()
    SignInLink.objects.filter(
        user__in=[user.pk for user in users], used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    end_sessions(users)
    for user in users:
        # Also a session signed in to before sessions were recorded.
        if not user.has_usable_password():
            sign_out_everywhere(user)


def sign_out_everywhere(user):
    """End every session of ``user``, who signs in only by link: a new
    unusable password changes the hash each session is checked against."""
    user.set_unusable_password()
    User.objects.filter(pk=user.pk).update(password=user.password)


def session_store():
    """The class of the session store every process shares
    (``SESSION_ENGINE``)."""
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(users):
    """End every recorded session of ``users`` in the configured session
    store (the database, or a cache all processes share), so that no
    browser stays signed in, with or without a password."""
    signed_in = SignedInSession.objects.filter(user__in=[user.pk for user in users])
    store = session_store()()
    for session_key in signed_in.values_list("session_key", flat=True):
        store.delete(session_key)
    signed_in.delete()


def remember_active_states(action, users):
    """Before Wagtail's "Set active state" on the users' list, which saves
    no account (so no receiver here sees it): whether each was open."""
    action.active_before = dict(
        User.objects.filter(pk__in=[user.pk for user in users]).values_list(
            "pk", "is_active"
        )
    )


def opened_and_closed(action):
    """After it: the accounts it opened and those it closed, read once for
    every app's hook."""
    if not hasattr(action, "active_changes"):
        before = getattr(action, "active_before", {})
        changed = [
            user
            for user in User.objects.filter(pk__in=before)
            if user.is_active != before[user.pk]
        ]
        action.active_changes = (
            [user for user in changed if user.is_active],
            [user for user in changed if not user.is_active],
        )
    return action.active_changes


@receiver(pre_save, sender=User)
def remember_previous_account(
    sender, instance, raw=False, update_fields=None, **kwargs
):
    """The address and whether the account was open, before the save."""
    unchanged = update_fields is not None and not {"email", "is_active"} & set(
        update_fields
    )
    instance.previous_account = (
        None
        if raw or instance.pk is None or unchanged
        else sender.objects.filter(pk=instance.pk)
        .values_list("email", "is_active")
        .first()
    )


@receiver(post_save, sender=User)
def closed_or_readdressed(sender, instance, created, raw=False, **kwargs):
    previous = getattr(instance, "previous_account", None)
    if raw or created or previous is None:
        return
    email, was_active = previous
    if (was_active and not instance.is_active) or (
        email.casefold() != instance.email.casefold()
    ):
        end_sign_in_by_link([instance])


@receiver(m2m_changed, sender=User.groups.through)
def groups_added(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "post_add" or not pk_set:
        return
    # Only a group that can open the admin matters.
    if Group.objects.filter(
        pk__in=[instance.pk] if reverse else pk_set,
        permissions__codename="access_admin",
        permissions__content_type__app_label="wagtailadmin",
    ).exists():
        # group.user_set.add(...): ``instance`` is the group. Read again:
        # a user's cached permissions predate the group.
        users = User.objects.filter(pk__in=pk_set if reverse else [instance.pk])
        end_link_sessions(list(users))


@receiver(post_save, sender=User)
def made_staff(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and (instance.is_staff or instance.is_superuser):
        end_link_sessions([instance])


@receiver(user_logged_in)
def signed_in_again(sender, request, user, **kwargs):
    """Signing in (with a password) on a browser signed in by link: the
    session is no longer a link's. Django keeps the session of the same
    account, flag and all; the link view sets the flag again after it."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(LINK_SESSION_KEY, None)


@receiver(user_logged_in)
def take_chosen_language(sender, request, user, **kwargs):
    """A person with no language of their own takes the one chosen on the
    browser they sign in on, or else that of the page's address (a link
    asked for on /sv/, opened on a phone that has chosen none): they signed
    in reading it, and their emails follow the profile's. On every sign-in
    page alike, the admin's own too."""
    chosen = getattr(request, "COOKIES", {}).get(
        settings.LANGUAGE_COOKIE_NAME
    ) or translation.get_language_from_path(getattr(request, "path_info", ""))
    if chosen in dict(settings.LANGUAGES):
        profile = UserProfile.get_for_user(user)
        if not profile.preferred_language:
            profile.preferred_language = chosen
            profile.save(update_fields=["preferred_language"])


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            # Signing in as another account empties the session, whose new
            # key is made when it is saved: made now, to be recorded.
            session.save()
        record_session(session, user)


def record_session(session, user):
    """Django keeps no index of a person's sessions: this one is recorded so
    that closing the account can end it. The person's records of sessions
    that have ended since (expired, or cleared) are dropped here."""
    store = session_store()
    gone = [
        session_key
        for session_key in SignedInSession.objects.filter(user=user)
        .exclude(session_key=session.session_key)
        .values_list("session_key", flat=True)
        # Loaded, not only looked up: the database keeps an expired
        # session until it is cleared, and it loads empty.
        if not store(session_key).load()
    ]
    SignedInSession.objects.filter(session_key__in=gone).delete()
    SignedInSession.objects.update_or_create(
        session_key=session.session_key, defaults={"user": user}
    )


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key is not None:
        SignedInSession.objects.filter(session_key=session.session_key).delete()
