"""A cohort's experiments count in the course the cohort is in
(``Experiment.follow_course``): after it moves to another course, and after
it is published from a revision saved before a copy or a move, which still
names the options of the course it came from."""

from django.dispatch import receiver
from wagtail.signals import page_published, post_page_move

from cohorts.models import CohortPage

from .models import Experiment


@receiver(post_page_move, sender=CohortPage)
def cohort_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    if parent_page_before.pk != parent_page_after.pk:
        Experiment.follow_course([instance])


@receiver(page_published, sender=CohortPage)
def cohort_published(sender, instance, **kwargs):
    Experiment.follow_course([instance])
