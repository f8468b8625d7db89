from django.contrib.auth import get_user_model
from django.core.signals import request_started
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils.timezone import now
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from . import meetings, welcome
from .calendar import invites
from .meetings import sync_meetings
from .models import CohortPage, Enrollment, Session
from .permissions import leave_trainers, revoke_trainer_access, sync_trainer_access


@receiver(post_save, sender=Enrollment)
@receiver(post_delete, sender=Enrollment)
def keep_trainer_access_in_step(sender, instance, raw=False, origin=None, **kwargs):
    """Trainers get edit access to their cohort; a person who stops being
    its trainer loses it."""
    if raw or deleted_with_a_page(origin):
        # A page deleted (the cohort, or the course above it) takes its
        # enrolments with it; ``cohort_deleted`` has revoked the access.
        return
    cohort = CohortPage.objects.filter(pk=instance.cohort_id).first()
    if cohort is None:
        return
    was_trainer = (
        cohort.trainer_group_id is not None
        and cohort.trainer_group.user_set.filter(pk=instance.user_id).exists()
    )
    if instance.role == Enrollment.Role.TRAINER or was_trainer:
        sync_trainer_access(cohort)


# Calendars (cohorts/calendar/invites.py): after every change that can alter
# what a calendar should show, the one rule sends the difference. Session
# rows change only when a cohort is published (drafts live in revisions), so
# publishing covers adding, moving, renaming and deleting sessions, and the
# cohort's name and time zone. Scheduled publishing, workflow approval and
# reverting all publish. Provider meetings follow their sessions first, so
# that the invites carry their join links.


@receiver(request_started)
def forget_earlier_requests_syncs(sender, **kwargs):
    """What a sync keeps for the admin view to say (who was told,
    ``invites.take_told``; which meetings failed, ``meetings.take_failures``)
    is of this request's syncs only (``kept.KeptForTheView``)."""
    invites.kept_told.forget()
    meetings.kept_failures.forget()


@receiver(page_published, sender=CohortPage)
def cohort_published(sender, instance, **kwargs):
    sync_meetings(instance)
    # Welcomes (with a sign-in link) for those who have not had one, in the
    # same batch as the invites: one task sends them all.
    invites.reconcile(instance.pk, also=welcome.cohort_welcomes(instance.pk))


@receiver(page_unpublished, sender=CohortPage)
def cohort_unpublished(sender, instance, **kwargs):
    # Also sent while a page is deleted, before its row says it is not live.
    sync_meetings(instance, cancelled=True)
    invites.reconcile(instance.pk, live=False)


@receiver(pre_delete, sender=CohortPage)
def cohort_deleted(sender, instance, **kwargs):
    # Before the delete: its sessions, people and calendar entries are still
    # there to cancel, and its trainers to leave the admin.
    sync_meetings(instance, cancelled=True)
    # Closed accounts too: their calendars cannot catch up with a cohort
    # that is gone.
    invites.reconcile(instance.pk, live=False, deleting=True)
    # Django sends every pre_delete of a deletion before it deletes a row:
    # who trains nothing any more is known after (``cohort_gone``).
    instance.former_trainers = revoke_trainer_access(instance)


@receiver(post_delete, sender=CohortPage)
def cohort_gone(sender, instance, **kwargs):
    leave_trainers(getattr(instance, "former_trainers", ()))


def deleted_with_a_page(origin):
    """Whether a deletion began with a page (or pages): the enrolments
    deleted with it are those of a cohort being deleted."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return isinstance(model, type) and issubclass(model, Page)


@receiver(pre_save, sender=Enrollment)
def remember_previous_place(sender, instance, raw=False, **kwargs):
    previous = (
        None
        if raw or instance.pk is None
        else Enrollment.objects.filter(pk=instance.pk)
        .values_list("cohort_id", "user_id", "withdrawn_at")
        .first()
    )
    instance.previous_place = previous


@receiver(post_save, sender=Enrollment)
def enrolment_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    previous_cohort, previous_user, was_withdrawn = getattr(
        instance, "previous_place", None
    ) or (instance.cohort_id, instance.user_id, None)
    people = {instance.user_id, previous_user}
    if previous_cohort != instance.cohort_id:
        invites.reconcile(previous_cohort, people)
    # Someone placed in the cohort, newly enrolled, enrolled again or moved
    # there from another, is welcomed (with a sign-in link,
    # cohorts/welcome.py) in the same batch as their invites: once for each
    # placement, whose number is in the welcome's key.
    restored = was_withdrawn is not None and instance.withdrawn_at is None
    moved = previous_cohort != instance.cohort_id
    if created or restored or moved:
        welcomes = welcome.enrolment_welcomes(instance)
    elif previous_user != instance.user_id:
        # The place moved to a corrected address: welcomed there too (the
        # old address's welcome, if still unsent, is dropped when sent).
        welcomes = welcome.moved_welcome(instance)
    else:
        welcomes = []
    invites.reconcile(instance.cohort_id, people, also=welcomes)


@receiver(post_delete, sender=Enrollment)
def enrolment_deleted(sender, instance, **kwargs):
    invites.reconcile(instance.cohort_id, {instance.user_id})


@receiver(post_save, sender=get_user_model())
def account_changed(sender, instance, created, raw=False, **kwargs):
    """A new address: the old one's calendar loses the events, the new
    one's gets them. An account opened again catches up (``reopened``).
    (``previous_account`` is signin's: the account before the save.)"""
    previous = getattr(instance, "previous_account", None)
    if raw or created or previous is None:
        return
    email, was_active = previous
    if instance.is_active and not was_active:
        reopened([instance])
    elif email != instance.email:
        reconcile_people([instance])


def reopened(users):
    """Accounts opened again: their calendars, left as they were while the
    accounts were closed (``calendar/invites.py``), get what they missed, in
    every cohort they have a place in, withdrawn too (a withdrawal while
    closed is cancelled now); a place given while closed gets its welcome,
    in a cohort not over yet."""
    reconcile_people(users)
    still_to_come = Session.objects.filter(page=OuterRef("cohort"), end__gt=now())
    welcome.queue_welcomes(
        Enrollment.objects.active()
        .filter(
            Exists(still_to_come),
            user__in=[user.pk for user in users],
            cohort__live=True,
        )
        .select_related("user")
    )


def reconcile_people(users):
    """Each calendar of ``users`` made right, in every cohort they have a
    place in."""
    people = {user.pk for user in users}
    cohorts = Enrollment.objects.filter(user__in=people).values_list(
        "cohort_id", flat=True
    )
    for cohort_id in sorted(set(cohorts)):
        invites.reconcile(cohort_id, people)
