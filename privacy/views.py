"""A person's own data on the public site: exporting it as a zip, and
asking for it to be erased (and withdrawing that while it waits).

An export is downloaded by whoever asked for it (the person here, or a
privacy officer who made it in the admin) until it expires; anything else
is a 404, so that guessed ids tell nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import access, erasure
from .conf import export_lifetime
from .models import (
    AccessibilityStatementPage,
    DataExport,
    ErasureRequest,
    PrivacyNoticePage,
)
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
    access.record(request.user, access.Action.DOWNLOAD_DATA, export.subject)
    response = HttpResponse(bytes(export.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
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
