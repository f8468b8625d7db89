from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.models import CourseIndexPage

from .models import CohortPage, Enrollment
from .permissions import grant_coordinators, sync_trainer_access


@receiver(post_save, sender=CourseIndexPage)
def give_coordinators_new_course_index(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        grant_coordinators(instance)


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
