from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from cohorts.models import CohortPage, Enrollment

from . import signin


@receiver(post_save, sender=Enrollment)
def welcome_new_enrolment(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        signin.welcome_enrolled(instance)


@receiver(page_published, sender=CohortPage)
def welcome_people_of_published_cohort(sender, instance, **kwargs):
    signin.welcome_cohort(instance.pk)
