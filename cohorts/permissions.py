"""Who may see and change which cohort.

Wagtail's page permissions are the single source of truth in the admin:
coordinators hold them on the course index (``courses.permissions``), and
each cohort has a group of its own that gives its trainers edit access to
that cohort only. Whatever belongs to a cohort (enrolments, attendance, and
in the apps above, reflections) follows the cohort it belongs to.
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Exists, OuterRef
from wagtail.models import GroupPagePermission
from wagtail.permission_policies import ModelPermissionPolicy

from courses.permissions import TRAINERS

from .models import CohortPage, Enrollment

logger = logging.getLogger(__name__)

#: Page permissions trainers hold on the cohorts they train.
TRAINER_PAGE_PERMISSIONS = ["change_page"]


@transaction.atomic
def sync_trainer_access(cohort):
    """Make the cohort's trainer group hold exactly its enrolled trainers."""
    trainer_ids = list(
        Enrollment.objects.active()
        .filter(cohort=cohort, role=Enrollment.Role.TRAINER)
        .values_list("user_id", flat=True)
    )
    name = f"{TRAINERS}: {cohort.title}"[:140] + f" #{cohort.pk}"
    group = cohort.trainer_group
    if group is None:
        # Its own group, if it was made once and then unlinked (publishing
        # an older revision did that), or a new one.
        group = own_group(cohort) or Group.objects.create(name=name)
        CohortPage.objects.filter(pk=cohort.pk).update(trainer_group=group)
        cohort.trainer_group = group
    if group.name != name:
        group.name = name
        group.save(update_fields=["name"])
    for codename in TRAINER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=cohort,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    former_ids = set(group.user_set.values_list("pk", flat=True)) - set(trainer_ids)
    group.user_set.set(trainer_ids)
    trainers = Group.objects.get(name=TRAINERS)
    trainers.user_set.add(*trainer_ids)
    # Someone who trains no cohort any more has no business in the admin.
    leave_trainers(former_ids)


def own_group(cohort):
    """The trainer group made for ``cohort``, found by the number its name
    ends with."""
    return (
        Group.objects.filter(name__startswith=f"{TRAINERS}: ")
        .filter(name__endswith=f" #{cohort.pk}")
        .first()
    )


def out_of_step_cohorts():
    """The cohorts whose trainer group does not hold exactly their enrolled
    trainers: enrolments changed in bulk (a script, the shell) send no
    signal to keep the group in step."""
    User = get_user_model()
    trainers = Enrollment.objects.active().filter(role=Enrollment.Role.TRAINER)
    in_group = User.groups.through.objects.filter(
        group=OuterRef(OuterRef("trainer_group"))
    )
    return CohortPage.objects.filter(
        Exists(
            trainers.filter(cohort=OuterRef("pk")).exclude(
                user__in=in_group.values("user")
            )
        )
        | Exists(
            User.objects.filter(groups=OuterRef("trainer_group")).exclude(
                pk__in=trainers.filter(cohort=OuterRef(OuterRef("pk"))).values("user")
            )
        )
    )


def resync_trainer_access():
    """Bring every cohort out of step back in step (a periodic job);
    returns how many it did. A cohort that fails is logged and left for
    the next run: the others are still done."""
    done = 0
    for cohort in out_of_step_cohorts():
        try:
            sync_trainer_access(cohort)
        except Exception:
            logger.exception("Trainer access of cohort %s not synced", cohort.pk)
        else:
            done += 1
    return done


def revoke_trainer_access(cohort):
    """A cohort about to be deleted: its trainer group goes. Returns its
    trainers, for ``leave_trainers`` once the deletion is done."""
    group = cohort.trainer_group
    if group is None:
        return set()
    former = set(group.user_set.values_list("pk", flat=True))
    group.delete()
    return former


def leave_trainers(user_ids):
    """Of ``user_ids``, those who train no cohort any more leave the
    admin's Trainers group. Called after a deletion, when the enrolments of
    every cohort deleted with it (a course's) are gone."""
    training = Enrollment.objects.active().filter(
        user__in=user_ids, role=Enrollment.Role.TRAINER
    )
    Group.objects.get(name=TRAINERS).user_set.remove(
        *set(user_ids) - set(training.values_list("user_id", flat=True))
    )


def enrolled_people_only(users):
    """Of ``users``, those enrolled in some cohort: the people who may ask
    for a sign-in link (the ``construct_sign_in_link_users`` hook)."""
    return users.filter(pk__in=Enrollment.objects.active().values("user_id"))


def cohorts_for_user(user):
    """The cohorts whose people and work ``user`` may see in the admin."""
    return CohortPage.objects.managed_by(user)


class CohortScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, narrowed to the objects of the user's cohorts.

    ``cohort_path`` is the lookup from the model to its cohort.
    """

    def __init__(self, model, cohort_path, **kwargs):
        super().__init__(model, **kwargs)
        self.cohort_path = cohort_path

    def in_users_cohorts(self, user, queryset):
        return queryset.filter(**{f"{self.cohort_path}__in": cohorts_for_user(user)})

    def instances_user_has_any_permission_for(self, user, actions):
        return self.in_users_cohorts(
            user, super().instances_user_has_any_permission_for(user, actions)
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return (
            super().user_has_any_permission_for_instance(user, actions, instance)
            and self.in_users_cohorts(
                user, self.model.objects.filter(pk=instance.pk)
            ).exists()
        )
