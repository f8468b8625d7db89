"""Builders for the training tree that tests share."""

from datetime import date, time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.users.models import UserProfile

from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from cohorts.permissions import COORDINATORS
from courses.models import CourseIndexPage, CoursePage, ExperimentTemplate, SessionPlan

PROMPTS = "What did you try?\nWhat happened?\nWhat did you learn?\nWhat next?"


def course_index():
    """The course index the site's migration creates."""
    return CourseIndexPage.objects.get()


def make_course(title="Virtual work", sessions=3, **fields):
    course = CoursePage(title=title, **fields)
    course.session_plans = [
        SessionPlan(
            title=f"Session {number}",
            agenda=f"Agenda {number}",
            start_time=time(9, 0),
            length_minutes=210,
        )
        for number in range(1, sessions + 1)
    ]
    course.experiment_templates = [
        ExperimentTemplate(
            title=f"Experiment {number}",
            instructions=f"Try something new, part {number}.",
            prompts=PROMPTS,
            after_session=number,
        )
        for number in range(1, sessions)
    ]
    course_index().add_child(instance=course)
    course.save_revision().publish()
    return course


def make_cohort(course, title="Cohort A", start_date=date(2027, 3, 15), **fields):
    """A published cohort with its sessions and experiments planned from the course."""
    cohort = CohortPage(title=title, start_date=start_date, **fields)
    cohort.plan_from_course(course)
    course.add_child(instance=cohort)
    cohort.save_revision().publish()
    return cohort


def make_user(email, *, groups=(), language="en", **fields):
    """A user with a password; the admin speaks ``language`` to them."""
    user = get_user_model().objects.create_user(
        username=email, email=email, password="correct horse battery", **fields
    )
    UserProfile.get_for_user(user).__class__.objects.filter(user=user).update(
        preferred_language=language
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_coordinator(email="coordinator@example.fi"):
    return make_user(
        email, groups=[COORDINATORS], first_name="Kaisa", last_name="Koordinaattori"
    )


def make_trainer(cohort, email="trainer@example.fi"):
    """A trainer enrolled in ``cohort``: enrolment gives the admin access."""
    return enrol(cohort, email, "Tero", "Trainer", Enrollment.Role.TRAINER).user


def make_participants(cohort, count, prefix="participant", organisation="Office"):
    return [
        enrol(
            cohort,
            f"{prefix}{number}@example.fi",
            "Pat",
            f"Participant{number}",
            Enrollment.Role.PARTICIPANT,
            organisation,
        )
        for number in range(count)
    ]


__all__ = [
    "PROMPTS",
    "CohortPage",
    "course_index",
    "make_cohort",
    "make_coordinator",
    "make_course",
    "make_participants",
    "make_trainer",
    "make_user",
]
