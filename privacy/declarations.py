"""The personal data of the apps below this one (sign-in links, the
outbox), of Django and Wagtail, and of this app itself, for the registry
(``register_personal_data``). The account comes last: it is erased once
everything that points at it is."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from outbox.models import OutgoingEmail
from signin.models import SignedInSession, SignInLink

from .models import AccessibilityFeedback, AccessLogEntry, DataExport, ErasureRequest
from .registry import NotYet, PersonalData

UNTIL_ERASED = _("Until the account is erased.")
ADMIN_WORK = _("Who did what in the admin.")


def keep(rows, person):
    """Rows kept for their own retention; the account's key on them empties
    when the account goes."""


def unsent(person):
    match = Q(user=person.user_id)
    if person.email:
        match |= Q(to__iexact=person.email)
    return OutgoingEmail.objects.filter(
        match,
        state__in=[OutgoingEmail.State.PENDING, OutgoingEmail.State.SENDING],
    )


def erase_emails(rows, person):
    """Sent and failed emails go; those still to be sent (a calendar's
    cancellations) stay until the outbox has sent them."""
    rows.exclude(pk__in=unsent(person).values("pk")).delete()
    if unsent(person).exists():
        raise NotYet


def erase_account(rows, person):
    if unsent(person).exists():
        raise NotYet
    rows.delete()


def account_fields(User):
    """The fields of an account, of those a user model may have: a site's
    own may sign in by address alone, with no user name, or keep one beside
    the address."""
    names = {field.name for field in User._meta.get_fields()}
    wanted = (
        User.USERNAME_FIELD,
        "username",
        "first_name",
        "last_name",
        User.get_email_field_name(),
        "date_joined",
        "last_login",
    )
    return tuple(name for name in dict.fromkeys(wanted) if name in names)


def access_rows(person):
    return AccessLogEntry.objects.filter(
        Q(subject=person.user_id) | Q(actor=person.user_id)
    )


def erase_access_log(rows, person):
    """The log stays for its own retention, without the person's name."""
    rows.filter(subject=person.user_id).update(subject=None, subject_name="")
    rows.filter(actor=person.user_id).update(actor=None, actor_name="")


def export_rows(person):
    return DataExport.objects.filter(
        Q(subject=person.user_id) | Q(requested_by=person.user_id)
    )


def language_name(code):
    """A language's name as it calls itself ("svenska" for ``sv``): the
    page is in the person's own language, and Django's Swedish catalogue
    capitalises the names of languages, which Swedish does not."""
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


def permission_name(codename):
    """A permission's name, translated where Django or Wagtail translates
    it. A codename can be two models' (``view_comment``): both names."""
    names = (
        Permission.objects.filter(codename=codename)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    return " / ".join(gettext(name) for name in names) or codename


def personal_data():
    model = apps.get_model
    return [
        PersonalData(
            SignInLink,
            subject="user",
            fields=("created_at", "expires_at", "used_at"),
            purpose=_("Signing in by a link sent by email."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            SignedInSession,
            subject="user",
            fields=("signed_in_at",),
            purpose=_(
                "Signing out every browser when the account is closed or its "
                "address changes."
            ),
            retention=_(
                "Until the person signs out or the account is closed; a "
                "session that has expired, until they next sign in."
            ),
        ),
        PersonalData(
            model("wagtailcore", "Comment"),
            subject="user",
            fields=("page__title", "text", "created_at"),
            references=("resolved_by",),
            purpose=_("Comments on pages in the admin."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("wagtailcore", "CommentReply"),
            subject="user",
            fields=("text", "created_at"),
            purpose=_("Comments on pages in the admin."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("wagtailcore", "PageSubscription"),
            name=_("subscriptions to page comments"),
            subject="user",
            fields=("page__title", "comment_notifications"),
            purpose=_("Notifications of comments in the admin."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("wagtailadmin", "EditingSession"),
            name=_("editing sessions in the admin"),
            subject="user",
            fields=("last_seen_at",),
            purpose=_("Telling editors who else is editing a page."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("wagtailadmin", "FormState"),
            name=_("unsaved forms in the admin"),
            subject="user",
            fields=("last_updated_at",),
            purpose=_("Keeping an unsaved form in the admin."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            get_user_model().groups.through,
            name=_("roles (groups)"),
            subject="user",
            fields=("group__name",),
            purpose=_("The person's roles (groups), which decide what they may do."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            get_user_model().user_permissions.through,
            name=_("permissions of their own"),
            subject="user",
            fields=("permission__codename",),
            read_as={"permission__codename": permission_name},
            purpose=_("Permissions given to the person alone."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            CoursePage.commissioners.through,
            name=_("courses commissioned"),
            subject="user",
            fields=("coursepage__title",),
            purpose=_(
                "The courses whose overview and impact report the person reads "
                "as their commissioner."
            ),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("wagtailcore", "APIToken"),
            name=_("keys to the programming interface"),
            subject="user",
            fields=("name", "created", "revoked_at", "last_used_at"),
            purpose=_("Access to the programming interface."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("admin", "LogEntry"),
            subject="user",
            fields=("action_time", "action_flag"),
            purpose=ADMIN_WORK,
            retention=UNTIL_ERASED,
        ),
        *[
            PersonalData(
                model(*label.split(".")),
                references=references,
                purpose=ADMIN_WORK,
                retention=_("As long as the page, file or entry."),
            )
            for label, references in [
                ("wagtailcore.Page", ("owner", "locked_by")),
                ("wagtailcore.Revision", ("user",)),
                ("wagtailcore.PageLogEntry", ("user",)),
                ("wagtailcore.ModelLogEntry", ("user",)),
                ("wagtailcore.WorkflowState", ("requested_by",)),
                ("wagtailcore.TaskState", ("finished_by",)),
                ("wagtailcore.UploadedFile", ("uploaded_by_user",)),
                ("wagtaildocs.Document", ("uploaded_by_user",)),
                ("wagtailimages.Image", ("uploaded_by_user",)),
            ]
        ],
        PersonalData(
            DataExport,
            find=export_rows,
            covers=("subject", "requested_by"),
            fields=("requested_at", "ready_at", "expires_at"),
            purpose=_("A person's data exported for them."),
            retention=_("Until the download link expires."),
        ),
        PersonalData(
            AccessLogEntry,
            find=access_rows,
            covers=("subject", "actor"),
            erase=erase_access_log,
            fields=("timestamp", "action", "target"),
            purpose=_("Who used or disclosed whose data (906/2019, §17)."),
            retention=_("Its own retention period; without names once erased."),
        ),
        PersonalData(
            ErasureRequest,
            subject="subject",
            references=("requested_by", "approved_by"),
            erase=keep,
            fields=("requested_at", "state", "approved_at", "run_after"),
            purpose=_("The record that a person's data was erased."),
            retention=_("Kept without the address once the erasure has finished."),
        ),
        PersonalData(
            AccessibilityFeedback,
            email_field="email",
            fields=("name", "email", "message", "received_at", "answer_by"),
            purpose=_("Answering feedback on the site's accessibility."),
            retention=_("Until the person is erased."),
        ),
        PersonalData(
            OutgoingEmail,
            subject="user",
            email_field="to",
            erase=erase_emails,
            fields=("kind", "to", "subject", "state", "created_at", "sent_at"),
            purpose=_("Emails the site sends to the person."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            model("wagtailusers", "UserProfile"),
            subject="user",
            fields=("preferred_language", "current_time_zone"),
            read_as={"preferred_language": language_name},
            purpose=_("The language and time zone the person chose."),
            retention=UNTIL_ERASED,
        ),
        PersonalData(
            get_user_model(),
            subject="pk",
            erase=erase_account,
            fields=account_fields(get_user_model()),
            purpose=_("The person's account: name and email address."),
            retention=UNTIL_ERASED,
        ),
    ]
