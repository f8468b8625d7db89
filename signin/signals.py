"""Sessions opened by a sign-in link end when their account gains the
admin.

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
the middleware signs it out)."""

from django.contrib.auth import get_user_model, user_logged_in
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from .links import LINK_SESSION_KEY, can_reach_admin
from .models import SignInLink

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
            user.set_unusable_password()
            User.objects.filter(pk=user.pk).update(password=user.password)


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
