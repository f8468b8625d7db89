"""Run by ``test_wagtail_start`` inside a site made by ``wagtail start``
(``manage.py shell < site_round.py``): a coordinator builds a course and a
cohort in the admin, enrols a participant, who signs in with the link from
the welcome email, opens "My training", asks for a copy of their data and
sends a reflection that the cohort's trainer reads, and reads their page in
Finnish; the health checks answer. The site has its own user model, without
user names. Prints one line per step; any failure raises."""

import re
from datetime import date

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from assignments.models import Experiment, Reflection
from cohorts.models import CohortPage
from courses.models import CourseIndexPage, CoursePage
from privacy.models import DataExport

User = get_user_model()


def check(response, status=200):
    assert response.status_code == status, (
        response.status_code,
        response.content[:2000],
    )
    return response


# The site's own home page is the site's root; migrate put a course index
# under it.
index = CourseIndexPage.objects.get()
home = Page.objects.get(depth=2)
assert index.get_parent().pk == home.pk, "course index is under the site's home"
assert home.specific_class.__module__ == "home.models", "the site's own home app"
print("course index", index.title)

# The site's own user model: people sign in by their address.
User.objects.create_superuser("admin@example.org", "correct horse battery")
admin = Client()
assert admin.login(username="admin@example.org", password="correct horse battery")

check(
    admin.post(
        reverse("wagtailadmin_pages:add", args=["courses", "coursepage", index.pk]),
        nested_form_data(
            {
                "title": "Remote work",
                "slug": "remote-work",
                "description": rich_text(""),
                "session_interval_days": 14,
                "min_session_minutes": 120,
                "max_session_minutes": 300,
                "session_plans": inline_formset(
                    [
                        {
                            "title": f"Session {n}",
                            "agenda": "",
                            "start_time": "09:00",
                            "length_minutes": 210,
                        }
                        for n in (1, 2, 3)
                    ]
                ),
                "experiment_templates": inline_formset(
                    [
                        {
                            "title": "Run a meeting remotely",
                            "after_session": 1,
                            "instructions": "Try it.",
                            "prompts": "What did you try?",
                        }
                    ]
                ),
                # The impact plan (the impact app): none.
                "impact_statements": inline_formset([]),
                "impact_questions": inline_formset([]),
                "action-publish": "publish",
            }
        ),
    ),
    302,
)
course = CoursePage.objects.get(slug="remote-work")
print("course", course.title, course.live)

check(
    admin.post(
        reverse("wagtailadmin_pages:add", args=["cohorts", "cohortpage", course.pk]),
        nested_form_data(
            {
                "title": "Cohort A",
                "slug": "cohort-a",
                "organisations": "",
                "time_zone": "Europe/Helsinki",
                "start_date": str(date.today()),
                "sessions": inline_formset([]),
                "experiments": inline_formset([]),
                "impact_statements": inline_formset([]),
                "impact_questions": inline_formset([]),
                "action-publish": "publish",
            }
        ),
    ),
    302,
)
cohort = CohortPage.objects.child_of(course).get()
assert cohort.live and cohort.sessions.count() == 3, "three sessions planned"
print("cohort", cohort.title, cohort.sessions.count(), "sessions")

check(
    admin.post(
        reverse("enrollments:add"),
        {
            "cohort": cohort.pk,
            "role": "participant",
            "organisation": "Office",
            "email": "aino@example.org",
            "first_name": "Aino",
            "last_name": "Virtanen",
        },
    ),
    302,
)
welcome = next(
    m
    for m in mail.outbox
    if m.to == ["aino@example.org"]
    and "Cohort A" in m.subject
    and "/accounts/link/" in m.body
)
link = re.search(r"https?://\S+/accounts/link/\S+/", welcome.body).group(0)
path = "/" + link.split("/", 3)[3]
print("welcome email", welcome.subject)
# The invite to the second session says which experiment to bring, in the
# site's language ("en-us") as English.
invite = next(
    m for m in mail.outbox if m.to == ["aino@example.org"] and "Session 2" in m.subject
)
assert "Run a meeting remotely" in invite.body, invite.body
print("invite", invite.subject)

participant = Client()
check(participant.get(path))
response = check(participant.post(path), 302)
assert response["Location"] == reverse("participant:my_training"), response["Location"]
page = check(participant.get(response["Location"]))
assert b"Cohort A" in page.content and b"Session 1" in page.content
print("my training", page.status_code)

# A copy of their data, with their account as the site's user model has it.
check(participant.post(reverse("privacy:request_export")), 302)
export = DataExport.objects.get(subject__email="aino@example.org")
assert export.is_ready(), "the export is ready"
print("data export", export.file_name)

# The participant writes a reflection on the experiment and sends it; the
# cohort's trainer reads it in the admin.
experiment = Experiment.objects.get(cohort=cohort)
check(
    participant.post(
        reverse("participant:reflection", args=[experiment.pk]),
        {
            "prompt_0": "What did you try?",
            "answer_0": "I ran our weekly meeting remotely.",
            "decision": "adopt",
            "usefulness": "4",
            "visibility": "cohort",
            "action": "submit",
        },
    ),
    302,
)
reflection = Reflection.objects.get(experiment=experiment)
assert reflection.status == Reflection.Status.SUBMITTED, reflection.status
check(
    admin.post(
        reverse("enrollments:add"),
        {
            "cohort": cohort.pk,
            "role": "trainer",
            "organisation": "Trainers Ltd",
            "email": "tiina@example.org",
            "first_name": "Tiina",
            "last_name": "Koski",
        },
    ),
    302,
)
trainer = Client()
trainer.force_login(User.objects.get(email="tiina@example.org"))
review = check(trainer.get(reverse("reflections:review", args=[reflection.pk])))
assert b"I ran our weekly meeting remotely." in review.content
print("reflection read by the trainer")

# The participant switches to Finnish: the package speaks it as installed.
check(
    participant.post(
        reverse("set_language"),
        {"language": "fi", "next": reverse("participant:my_training")},
    ),
    302,
)
finnish = check(participant.get(reverse("participant:my_training")))
assert "Oma valmennukseni" in finnish.content.decode(), "My training in Finnish"
print("my training in Finnish")

# The health checks a load balancer asks, answered by the site's middleware.
ready = check(Client().get("/health/ready/", HTTP_HOST="192.0.2.7"))
assert ready.json()["status"] == "ok", ready.content
print("ready", ready.json()["migrations"])
print("ok")
