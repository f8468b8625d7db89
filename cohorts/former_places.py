"""What a person is told who follows an old link (from an email, a calendar,
a bookmark) into a cohort they were in, once they are withdrawn from it or
it is taken off the site: that, in words, with the way to My training,
instead of a bare "page not found".

It is still a 404, and it is said only to that person, about their own
place: anyone else, and any address that is not of their former cohort,
gets the plain 404, so that a guessed id still tells nothing. It is looked
up only once a page has found nothing to show: the pages cost what they did
for everyone they are open to, and a 404 one query more."""

from functools import wraps

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from .models import Enrollment

TEMPLATE = "cohorts/former_place.html"


def told(request, place, template=TEMPLATE, context=None):
    """The page that tells the person of their former ``place``; a 404, kept
    by no cache on the way (it names them and their cohort)."""
    response = render(
        request, template, {"place": place, **(context or {})}, status=404
    )
    add_never_cache_headers(response)
    return response


def tells_former_place(where):
    """A view that, where it finds nothing for a person who had a place in
    the cohort it is about, tells them of that place. ``where`` takes the
    view's arguments from its address and gives the condition on enrolments
    that finds the place, such as ``in_cohort``; a page about something
    only its author read asks for the author's place (``reflections=``)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except Http404:
                place = Enrollment.objects.former_place(request.user, where(**kwargs))
                if place is None:
                    raise
                return told(request, place)

        return wrapped

    return decorator


def in_cohort(cohort_id, **arguments):
    """The places in the cohort of a page whose address gives ``cohort_id``
    (and other ``arguments``)."""
    return Q(cohort=cohort_id)
