"""A person's own data on the public site: exporting it as a zip, and
asking for it to be erased (and withdrawing that while it waits).

An export is downloaded by whoever asked for it (the person here, or a
privacy officer who made it in the admin) until it expires; anything else
is a 404, so that guessed ids tell nothing.

In the admin, Wagtail's Users screens do not delete an account that holds
training data: deleting it would take the person's shared reflections and
their comments in others' discussions with it, and leave no record. Such an
account goes through an erasure request instead."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages as admin_messages
from wagtail.admin.utils import get_user_display_name

from . import access, declarations, erasure
from .conf import export_lifetime
from .models import (
    AccessibilityStatementPage,
    DataExport,
    ErasureRequest,
    PrivacyNoticePage,
)
from .registry import Person
from .tasks import build_export


def open_erasure(user):
    return (
        ErasureRequest.objects.filter(subject=user)
        .exclude(state=ErasureRequest.State.WITHDRAWN)
        .first()
    )


@login_required
@never_cache
def my_data(request):
    exports = DataExport.objects.filter(
        subject=request.user, requested_by=request.user
    ).defer("archive")[:5]
    return render(
        request,
        "privacy/my_data.html",
        {
            "exports": exports,
            "now": timezone.now(),
            "erasure": open_erasure(request.user),
            "export_days": export_lifetime().days,
        },
    )


def start_export(subject, by):
    """A new export of ``subject``'s data for ``by``, built by a task."""
    export = DataExport.objects.create(subject=subject, requested_by=by)
    access.record(by, access.Action.EXPORT_DATA, subject)
    transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export


@login_required
@require_POST
def request_export(request):
    start_export(request.user, request.user)
    messages.success(
        request,
        _("Your data is being collected. Its download link appears here shortly."),
    )
    return redirect("privacy:my_data")


@login_required
@never_cache
def download(request, export_id):
    export = get_object_or_404(
        DataExport.objects.select_related("subject"),
        pk=export_id,
        requested_by=request.user,
    )
    if not export.is_ready():
        raise Http404
    if export.subject_id != request.user.pk and not request.user.has_perm(
        "privacy.add_dataexport"
    ):
        # Someone else's data: only while the requester still holds the
        # privacy officer's role that made the export.
        raise Http404
    access.record(request.user, access.Action.DOWNLOAD_DATA, export.subject)
    response = HttpResponse(bytes(export.archive), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.file_name)
    return response


@login_required
@require_POST
def request_erasure(request):
    if open_erasure(request.user) is None:
        erasure.request(request.user, request.user)
        messages.success(
            request,
            _(
                "Your request was sent. A privacy officer approves it; until the "
                "erasure begins you can withdraw it here."
            ),
        )
    return redirect("privacy:my_data")


@login_required
@require_POST
def withdraw_erasure(request):
    pending = open_erasure(request.user)
    if pending is not None and erasure.withdraw(pending, request.user):
        messages.success(request, _("Your erasure request was withdrawn."))
    return redirect("privacy:my_data")


def statement(page_type):
    page = page_type.objects.live().order_by("path").first()
    if page is None:
        raise Http404
    return redirect(page.url)


def privacy_notice(request):
    return statement(PrivacyNoticePage)


def accessibility_statement(request):
    return statement(AccessibilityStatementPage)


def holds_training_data(user):
    """Whether any app that runs the training (not this one, for Django's
    and Wagtail's tables) keeps rows about ``user``."""
    person = Person.of(user)
    return any(
        entry.rows(person).exists()
        for declare in hooks.get_hooks("register_personal_data")
        if declare is not declarations.personal_data
        for entry in declare()
    )


def erasure_button(request, user=None):
    """A link to ``user``'s open erasure request, or to a new one, for
    those who may handle erasures."""
    if user is not None:
        pending = (
            ErasureRequest.objects.filter(
                subject=user,
                state__in=[
                    ErasureRequest.State.REQUESTED,
                    ErasureRequest.State.APPROVED,
                ],
            )
            .order_by("-pk")
            .first()
        )
        if pending is not None and request.user.has_perm(
            "privacy.change_erasurerequest"
        ):
            url = reverse("erasure_requests:edit", args=[pending.pk])
            return [admin_messages.button(url, _("Open the erasure request"))]
    if request.user.has_perm("privacy.add_erasurerequest"):
        url = reverse("erasure_requests:add")
        if user is not None and user.email:
            url += "?" + urlencode({"email": user.email})
        return [admin_messages.button(url, _("Make an erasure request"))]
    return []


def refuse_deleting_trainees(request, user):
    """``before_delete_user``: an account with training data is erased, not
    deleted."""
    if not holds_training_data(user):
        return None
    admin_messages.error(
        request,
        _(
            "%(name)s cannot be deleted here: the account has training data "
            "(enrolments, reflections or comments), which deleting would remove "
            "from other people's discussions too. Erase it with an erasure "
            "request instead."
        )
        % {"name": get_user_display_name(user)},
        buttons=erasure_button(request, user),
    )
    return redirect("wagtailusers_users:edit", user.pk)


def refuse_bulk_deleting_trainees(request, action_type, objects, action):
    """``before_bulk_action``: the users listing's bulk delete deletes
    nothing when any chosen account has training data."""
    if action_type != "delete" or action.model is not get_user_model():
        return None
    held = [user for user in objects if holds_training_data(user)]
    if not held:
        return None
    admin_messages.error(
        request,
        ngettext(
            "Nothing was deleted: %(names)s has training data (enrolments, "
            "reflections or comments), which deleting would remove from other "
            "people's discussions too. Erase it with an erasure request instead.",
            "Nothing was deleted: %(names)s have training data (enrolments, "
            "reflections or comments), which deleting would remove from other "
            "people's discussions too. Erase theirs with erasure requests instead.",
            len(held),
        )
        % {"names": ", ".join(get_user_display_name(user) for user in held)},
        buttons=erasure_button(request, held[0] if len(held) == 1 else None),
    )
    return redirect(action.next_url)
