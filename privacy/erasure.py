"""Erasing a person: asked for by the person or entered by a privacy
officer, approved by a privacy officer, and run after a cool-off
(``VIRTU_ERASURE_COOL_OFF_DAYS``) during which it can be withdrawn.

``run`` goes through every registered entry (``privacy.registry``), each in
a transaction of its own, and may be run again at any time: whatever a
run cut off halfway left, the next finds through the registry and erases.
The account is closed first; emails still to be sent (a calendar's
cancellations) keep their rows until they have gone, the account its row
until then, and the erasure waits for the next run of the periodic job.
"""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import access
from .conf import erasure_cool_off
from .models import ErasureRequest
from .registry import NotYet, Person, registered

logger = logging.getLogger(__name__)
State = ErasureRequest.State


def request(subject, by, reason=""):
    """An erasure of ``subject``'s data, asked for by ``by`` (the person, or
    a privacy officer on their behalf), waiting for approval."""
    erasure = ErasureRequest.objects.create(
        subject=subject,
        subject_user_id=subject.pk,
        subject_email=subject.email or "",
        reason=reason,
        requested_by=by,
    )
    access.record(by, access.Action.REQUEST_ERASURE, subject)
    return erasure


def erase_after_retention(user, by, reason, now=None):
    """An erasure of ``user``, whom a cohort's ended retention leaves with no
    reason to be kept: approved by ``by`` (who confirmed the retention) and
    due at once, with no cool-off, as the confirmation was the decision.
    None where the person already has an erasure under way."""
    now = now or timezone.now()
    under_way = ErasureRequest.objects.filter(subject_user_id=user.pk).exclude(
        state__in=[State.DONE, State.WITHDRAWN]
    )
    if under_way.exists():
        return None
    erasure = request(user, by, reason)
    approve(erasure, by, now, cool_off=timedelta(0))
    return erasure


def approve(erasure, by, now=None, cool_off=None):
    """Approve a requested erasure: it runs after ``cool_off`` (the
    setting's, unless given), until when it can be withdrawn."""
    now = now or timezone.now()
    cool_off = erasure_cool_off() if cool_off is None else cool_off
    updated = ErasureRequest.objects.filter(
        pk=erasure.pk, state=State.REQUESTED
    ).update(
        state=State.APPROVED,
        approved_by=by,
        approved_at=now,
        run_after=now + cool_off,
    )
    if updated:
        erasure.refresh_from_db()
        access.record(by, access.Action.APPROVE_ERASURE, erasure.subject)
    return bool(updated)


def withdraw(erasure, by):
    """Called off, before it has begun."""
    updated = ErasureRequest.objects.filter(
        pk=erasure.pk, state__in=[State.REQUESTED, State.APPROVED]
    ).update(state=State.WITHDRAWN)
    if updated:
        erasure.refresh_from_db()
        access.record(by, access.Action.WITHDRAW_ERASURE, erasure.subject)
    return bool(updated)


def run(erasure_id, now=None):
    """Erase the person of one due request; returns its state after."""
    now = now or timezone.now()
    claimed = (
        ErasureRequest.objects.due(now)
        .filter(pk=erasure_id)
        .update(state=State.RUNNING, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    erasure = ErasureRequest.objects.get(pk=erasure_id)
    person = Person(erasure.subject_user_id, erasure.subject_email)
    close_account(person)
    waiting = False
    try:
        for entry in registered():
            try:
                with transaction.atomic():
                    entry.run_erase(person)
            except NotYet:
                waiting = True
    except Exception as error:
        ErasureRequest.objects.filter(pk=erasure_id).update(
            last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    if waiting:
        ErasureRequest.objects.filter(pk=erasure_id).update(
            state=State.WAITING, last_error=""
        )
        return State.WAITING
    ErasureRequest.objects.filter(pk=erasure_id).update(
        state=State.DONE, finished_at=timezone.now(), subject_email="", last_error=""
    )
    access.record(
        erasure.approved_by,
        access.Action.ERASE,
        target=str(erasure),
    )
    return State.DONE


def close_account(person):
    """No one signs in to the account any more (its row goes last)."""
    get_user_model().objects.filter(pk=person.user_id).update(
        is_active=False, password=make_password(None)
    )
