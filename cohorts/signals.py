from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from wagtail.signals import page_published

from . import welcome
from .calendar import invites
from .models import CohortPage, Enrollment, Meeting, Session
from .permissions import sync_trainer_access


@receiver(post_save, sender=Enrollment)
@receiver(post_delete, sender=Enrollment)
def keep_trainer_access_in_step(sender, instance, raw=False, **kwargs):
    """Trainers get edit access to their cohort; a person who stops being
    its trainer loses it."""
    if raw:
        return
    cohort = CohortPage.objects.filter(pk=instance.cohort_id).first()
    if cohort is None:  # the cohort itself is being deleted
        return
    was_trainer = (
        cohort.trainer_group_id is not None
        and cohort.trainer_group.user_set.filter(pk=instance.user_id).exists()
    )
    if instance.role == Enrollment.Role.TRAINER or was_trainer:
        sync_trainer_access(cohort)


# Calendar invites (cohorts/invites.py). Session rows change only when a
# cohort is published (drafts live in revisions), so a deleted row is a
# session taken out of the live cohort.


@receiver(page_published, sender=CohortPage)
def send_invites_and_updates(sender, instance, **kwargs):
    invites.sync_cohort(instance.pk)


@receiver(pre_delete, sender=Session)
def cancel_deleted_session(sender, instance, **kwargs):
    # Before the delete: the cohort's people and its calendar entry are still
    # there, also when the whole cohort is being deleted.
    invites.cancel_session(instance)


@receiver(post_save, sender=Meeting)
def send_new_join_link(sender, instance, raw=False, **kwargs):
    cohort_id = (
        Session.objects.filter(uid=instance.session_uid)
        .values_list("page_id", flat=True)
        .first()
    )
    if cohort_id and not raw:
        invites.sync_cohort(cohort_id)


@receiver(pre_save, sender=Enrollment)
def remember_previous_cohort(sender, instance, raw=False, **kwargs):
    instance.previous_cohort_id = (
        None
        if raw or instance.pk is None
        else Enrollment.objects.filter(pk=instance.pk)
        .values_list("cohort_id", flat=True)
        .first()
    )


@receiver(post_save, sender=Enrollment)
def invite_enrolled_person(sender, instance, raw=False, **kwargs):
    if raw:
        return
    previous = getattr(instance, "previous_cohort_id", None)
    if previous and previous != instance.cohort_id:
        invites.uninvite_person(previous, instance.user)
    invites.invite_person(instance)


@receiver(post_delete, sender=Enrollment)
def uninvite_removed_person(sender, instance, **kwargs):
    invites.uninvite_person(instance.cohort_id, instance.user)


# Welcome emails with a sign-in link (cohorts/welcome.py).


@receiver(post_save, sender=Enrollment)
def welcome_new_enrolment(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        welcome.welcome_enrolled(instance)


@receiver(page_published, sender=CohortPage)
def welcome_people_of_published_cohort(sender, instance, **kwargs):
    welcome.welcome_cohort(instance.pk)
