"""Who reads a cohort's figures after it is moved to another course, said on
Wagtail's move confirmation, before it is moved: a course's commissioners
read the figures of the cohorts beneath it (``courses.models``), so those of
the new course gain this cohort's and those of the old one lose them."""

from django.contrib import messages
from django.utils.translation import ngettext

from courses.models import CoursePage

from .models import CohortPage


def warn(request, page, destination):
    """Warn of the commissioners who gain and lose a cohort's figures by
    moving ``page`` beneath ``destination``; nothing where they stay the
    same. Counted, not named: a coordinator need not see who they are."""
    if not isinstance(page, CohortPage) or not isinstance(destination, CoursePage):
        return
    source = page.get_parent().specific
    if not isinstance(source, CoursePage):
        return
    before = set(readers(source))
    after = set(readers(destination))
    sentences = []
    if gained := len(after - before):
        sentences.append(
            ngettext(
                "After the move, %(count)s commissioner of “%(course)s” reads this "
                "cohort's figures.",
                "After the move, %(count)s commissioners of “%(course)s” read this "
                "cohort's figures.",
                gained,
            )
            % {"count": gained, "course": destination.title}
        )
    if lost := len(before - after):
        sentences.append(
            ngettext(
                "%(count)s commissioner of “%(course)s” no longer reads them.",
                "%(count)s commissioners of “%(course)s” no longer read them.",
                lost,
            )
            % {"count": lost, "course": source.title}
        )
    if sentences:
        messages.warning(request, " ".join(sentences))


def readers(course):
    """The ids of ``course``'s commissioners who can sign in."""
    return course.commissioners.filter(is_active=True).values_list("pk", flat=True)
