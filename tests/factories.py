"""Builders for the training tree that tests share."""

from datetime import date, time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from wagtail.test.utils.form_data import inline_formset, nested_form_data
from wagtail.users.models import UserProfile

from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from courses.models import CourseIndexPage, CoursePage, ExperimentTemplate, SessionPlan
from courses.permissions import COMMISSIONERS, COORDINATORS

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
            # As the admin's inline panel numbers them: with no order, the
            # database may return them in any order.
            sort_order=number,
        )
        for number in range(1, sessions + 1)
    ]
    course.experiment_templates = [
        ExperimentTemplate(
            title=f"Experiment {number}",
            instructions=f"Try something new, part {number}.",
            prompts=PROMPTS,
            after_session=number,
            # Numbered, as the editor numbers them: the order is not left
            # to the database (PostgreSQL returns ties in any order).
            sort_order=number - 1,
        )
        for number in range(1, sessions)
    ]
    course_index().add_child(instance=course)
    course.save_revision().publish()
    return course


#: The tests' cohorts start on Monday 15 March 2038, well ahead of the clock:
#: tests that need a session held or under way move it (``place_sessions``).
#: The fixed dates in the tests are of 2038 too, a year with 2027's calendar
#: (weekdays, and the clock changes on 28 March and 31 October). They were
#: of 2027, and the tests began to fail as its dates came.
TEST_START = date(2038, 3, 15)


def make_cohort(course, title="Cohort A", start_date=TEST_START, **fields):
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


def local_input(moment, zone):
    """A datetime as the admin's date-time field shows it in ``zone``."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def cohort_edit_data(
    cohort, session_changes=None, extra_sessions=(), experiment_changes=None, **fields
):
    """The admin edit form of ``cohort`` as it stands, posted to publish.

    ``session_changes(session)`` returns fields to change in a session's form,
    and ``experiment_changes(experiment)`` in an experiment's;
    ``extra_sessions`` are new session forms added after the existing ones.
    """
    zone = cohort.zone
    sessions = [
        {
            # Empty, as a browser posts it, for a row a revision holds
            # from before its first save.
            "id": s.pk or "",
            "title": s.title,
            "start": local_input(s.start, zone),
            "end": local_input(s.end, zone),
            "meeting_url": s.meeting_url,
            "meeting_provider": s.meeting_provider,
            "agenda": s.agenda,
            **(session_changes(s) if session_changes else {}),
        }
        for s in cohort.sessions.all()
    ]
    experiments = [
        {
            "id": e.pk or "",
            "title": e.title,
            "instructions": e.instructions,
            "prompts": e.prompts,
            "after_session": e.after_session,
            "due_at": "",
            **(experiment_changes(e) if experiment_changes else {}),
        }
        for e in cohort.experiments.all()
    ]
    return nested_form_data(
        {
            "title": cohort.title,
            "slug": cohort.slug,
            "organisations": cohort.organisations,
            "time_zone": cohort.time_zone,
            "start_date": str(cohort.start_date or ""),
            "sessions": inline_formset(
                sessions + list(extra_sessions), initial=len(sessions)
            ),
            "experiments": inline_formset(experiments, initial=len(experiments)),
            **impact_plan_data(
                cohort.impact_statements.all(), cohort.impact_questions.all()
            ),
            "action-publish": "publish",
            **fields,
        }
    )


def impact_plan_data(statements, questions):
    """The impact plan's part of a course's or cohort's edit form."""
    statements = [
        {
            "id": s.pk,
            "text_fi": s.text_fi,
            "text_sv": s.text_sv,
            "text_en": s.text_en,
            "level": s.level,
            "target": s.target,
        }
        for s in statements
    ]
    questions = [
        {"id": q.pk, "text_fi": q.text_fi, "text_sv": q.text_sv, "text_en": q.text_en}
        for q in questions
    ]
    return {
        "impact_statements": inline_formset(statements, initial=len(statements)),
        "impact_questions": inline_formset(questions, initial=len(questions)),
    }


def place_sessions(cohort, first_start, interval=None):
    """Move ``cohort``'s sessions to start at ``first_start`` and then every
    ``interval`` (a week), each 3.5 hours long: tests set "now" this way."""
    from datetime import timedelta

    from cohorts.models import Session

    interval = interval or timedelta(days=7)
    for number, session in enumerate(cohort.sessions.order_by("sort_order")):
        start = first_start + number * interval
        Session.objects.filter(pk=session.pk).update(
            start=start, end=start + timedelta(hours=3, minutes=30)
        )


def make_commissioner(email="tilaaja@example.fi"):
    """A member of the Commissioners group, which may use the admin; they
    read a course's figures once the course names them (``commission``)."""
    group = Group.objects.get_or_create(name=COMMISSIONERS)[0]
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return make_user(email, groups=[COMMISSIONERS])


def commission(course, user):
    """Name ``user`` as a commissioner of the live ``course``, as publishing
    the course with them ticked in "Commissioned by" does."""
    CoursePage.commissioners.through.objects.create(coursepage=course, user=user)
