"""Retention: ``VIRTU_RETENTION_MONTHS`` (12) after a cohort's last
session, the cohort is listed for a coordinator to confirm; once confirmed,
the next run erases the personal content of that cohort, everything the
privacy registry ties to it (enrolments, attendance, reflections,
comments, invitations, Site history), and keeps the cohort and its
sessions. Its participants who are in no other cohort and have no role in
the admin have no reason to keep an account: each gets an erasure, due at
once (``privacy.erasure``). A periodic job runs both steps; each can run
again safely."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext

from privacy import access, erasure
from privacy.registry import erase_cohort

from .conf import retention_months
from .models import CohortPage, Enrollment, RetentionReview


def months_before(moment, months):
    """``moment`` ``months`` calendar months earlier (the day clamped)."""
    month = moment.month - 1 - months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment - timedelta(days=30 * months)


def list_due(now=None):
    """List the cohorts whose last session ended the retention period ago
    and that are not listed yet; returns how many were listed."""
    now = now or timezone.now()
    cutoff = months_before(now, retention_months())
    due = (
        CohortPage.objects.filter(retention_review__isnull=True)
        .annotate(last_end=Max("sessions__end"))
        .filter(last_end__lte=cutoff)
        .values_list("pk", "last_end")
    )
    reviews = [
        RetentionReview(cohort_id=pk, due_since=last_end, listed_at=now)
        for pk, last_end in due
    ]
    RetentionReview.objects.bulk_create(reviews, ignore_conflicts=True)
    return len(reviews)


def confirm(review, by, now=None):
    updated = RetentionReview.objects.filter(
        pk=review.pk, confirmed_at__isnull=True
    ).update(confirmed_by=by, confirmed_at=now or timezone.now())
    return bool(updated)


def leavers(cohort_id):
    """The participants of the cohort whom nothing else keeps: enrolled in
    no other cohort (withdrawn ones included), and with no role in the
    admin (no group, no permission of their own, not staff)."""
    return (
        get_user_model()
        .objects.filter(
            enrollments__cohort_id=cohort_id,
            enrollments__role=Enrollment.Role.PARTICIPANT,
            is_staff=False,
            is_superuser=False,
            groups__isnull=True,
            user_permissions__isnull=True,
        )
        .exclude(
            pk__in=Enrollment.objects.exclude(cohort_id=cohort_id).values("user_id")
        )
        .distinct()
    )


def erase_confirmed(now=None):
    """Erase the content of every confirmed cohort; returns how many."""
    erased = 0
    for review in RetentionReview.objects.filter(
        confirmed_at__isnull=False, erased_at__isnull=True
    ).select_related("cohort", "confirmed_by"):
        # The accounts' erasures first: a run cut off after the content went
        # would find no enrolment left to say whose they are.
        with translation.override(settings.LANGUAGE_CODE):
            reason = gettext(
                "The retention period of the cohort “%(cohort)s” ended."
            ) % {"cohort": review.cohort.title}
        for user in leavers(review.cohort_id):
            erasure.erase_after_retention(user, review.confirmed_by, reason, now)
        erase_cohort(review.cohort_id)
        RetentionReview.objects.filter(pk=review.pk).update(
            erased_at=now or timezone.now()
        )
        access.record(
            review.confirmed_by, access.Action.ERASE, target=review.cohort.title
        )
        erased += 1
    return erased


def run(now=None):
    """The periodic job: list what is due, erase what was confirmed."""
    return {"listed": list_due(now), "erased": erase_confirmed(now)}
