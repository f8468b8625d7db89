"""Adding people to cohorts, one at a time or from a file."""

import secrets

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.log_actions import log

from signin.links import can_reach_admin

from . import audit
from .models import Enrollment, course_title
from .permissions import cohorts_for_user


def split_name(full_name):
    """'Anna Maria Virtanen' -> ('Anna Maria', 'Virtanen')."""
    parts = " ".join((full_name or "").split()).rsplit(" ", 1)
    if len(parts) == 1:
        return parts[0], ""
    return parts[0], parts[1]


def person_for_email(email, first_name="", last_name=""):
    """The user with this email address, created on first enrolment.

    People sign in by invitation, so a new user has no usable password. An
    existing account is never changed: its name and address are its
    owner's (and a coordinator's list may hold a staff account's address).
    """
    User = get_user_model()
    email = normalised(email)
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        user = new_person(email, first_name[:150], last_name[:150])
        user.save()
    return user


def user_name_fields():
    """The fields apart from the address that a new person's address is
    also put in: the one people sign in by, and a ``username`` kept beside
    the address (unique in ``AbstractUser``, so left empty it would clash
    with the next person). Many user models sign in by address alone."""
    User = get_user_model()
    names = {field.name for field in User._meta.concrete_fields}
    return [
        name
        for name in dict.fromkeys((User.USERNAME_FIELD, "username"))
        if name in names and name != User.get_email_field_name()
    ]


def taken_user_names(addresses):
    """Of ``addresses``, those some account already has as a user name: a
    person who changed their address keeps the old one there."""
    User = get_user_model()
    taken = set()
    for name in user_name_fields():
        taken.update(
            User.objects.filter(
                **{f"{name}__in": [a[:150] for a in addresses]}
            ).values_list(name, flat=True)
        )
    return taken


def new_person(email, first_name, last_name, taken=None):
    """An unsaved user for an address, with no usable password. Their
    address is their user name too (``user_name_fields``); where another
    account has it as its user name (of ``taken``, looked up if not given),
    the address with a few random characters after it."""
    User = get_user_model()
    user = User(email=email, first_name=first_name, last_name=last_name)
    if taken is None:
        taken = taken_user_names([email])
    user_name = email[:150]
    if user_name in taken:
        user_name = f"{email[:141]}+{secrets.token_hex(4)}"
    for name in user_name_fields():
        setattr(user, name, user_name)
    user.set_unusable_password()
    return user


def accounts_for(addresses):
    """{lowercased address: user} of the accounts ``addresses`` (lowercased)
    already have; of several with one address, the first made."""
    return {
        user.address: user
        for user in get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in=list(addresses))
        .order_by("-pk")  # the first of several with one address wins
    }


def normalised(email):
    """An address as accounts are looked up by: trimmed, lowercased."""
    return get_user_model().objects.normalize_email(email.strip()).lower()


def people_for_emails(people):
    """{lowercased address: user} for many (email, first name, last name):
    the users with these addresses, created (in one query) where there are
    none. As in ``person_for_email``, an existing account is never changed:
    a coordinator's list may hold anyone's address, a superuser's too."""
    wanted = {}
    for email, first_name, last_name in people:
        wanted[normalised(email)] = (first_name[:150], last_name[:150])
    found = accounts_for(wanted)
    taken = taken_user_names([email for email in wanted if email not in found])
    new = []
    for email, (first_name, last_name) in wanted.items():
        if email not in found:
            new.append(new_person(email, first_name, last_name, taken))
    get_user_model().objects.bulk_create(
        new
    )  # SQLite and PostgreSQL give back the keys
    found.update((user.email, user) for user in new)
    return found


#: Why a participant with work is not made a trainer, where one is asked.
PARTICIPANT_WITH_WORK = _(
    "This person already has work in the cohort as a participant (reflections, "
    "attendance or survey answers): as a trainer, it would drop out of the "
    "trainers' grid, their own pages and the cohort's figures. They stay a "
    "participant."
)


def hides_work(enrollment, role):
    """Whether giving the place ``role`` makes a participant with work a
    trainer: their reflections and attendance would leave the trainers'
    grid, the person's own pages and the cohort's figures, all of which
    count participants only. A place with nothing on it may change."""
    return (
        enrollment.role == Enrollment.Role.PARTICIPANT
        and role == Enrollment.Role.TRAINER
        and Enrollment.objects.filter(pk=enrollment.pk).holding_work().exists()
    )


@transaction.atomic
def enrol(
    cohort,
    email,
    first_name="",
    last_name="",
    role=Enrollment.Role.PARTICIPANT,
    organisation="",
):
    """Enrol the person with this address, or update their place in the
    cohort; a withdrawn person is enrolled again with their earlier work.
    A participant with work is not made a trainer (``ValidationError``)."""
    user = person_for_email(email, first_name, last_name)
    place = Enrollment.objects.filter(cohort=cohort, user=user).first()
    if place is not None and hides_work(place, role):
        raise ValidationError(PARTICIPANT_WITH_WORK, code="participant_with_work")
    restored = place if place is not None and place.is_withdrawn else None
    enrollment, _ = Enrollment.objects.update_or_create(
        cohort=cohort,
        user=user,
        defaults={
            "role": role,
            "organisation": organisation,
            "withdrawn_at": None,
            "withdrawn_by": None,
            # Placed in the cohort again: welcomed again (``welcome.py``).
            **({"placement": restored.placement + 1} if restored else {}),
        },
    )
    if restored is not None:
        log(enrollment, audit.RESTORE)
    return enrollment


@transaction.atomic
def withdraw(enrollment, by):
    """Take a person out of a cohort: they lose access, their calendars get
    the cancellations, and they leave the cohort's figures; what they wrote
    and their attendance stay for when they are enrolled again."""
    if enrollment.withdraw(by=by):
        log(enrollment, audit.WITHDRAW, user=by)
        return True
    return False


def with_course_title(cohorts):
    """``cohorts`` with their course's title (their parent page's), read in
    the same query, for ``CohortChoiceField``."""
    return cohorts.annotate(course_title=course_title())


class CohortChoiceField(forms.ModelChoiceField):
    """A cohort by its name, its course's, its start and whether it is a
    draft: a copied cohort keeps its name (and its course and start), and a
    coordinator choosing among same-named ones could not tell them apart.
    The course's title is there where the queryset is ``with_course_title``."""

    def label_from_instance(self, cohort):
        return cohort_label(cohort)


def cohort_label(cohort):
    """'Cohort A (Virtual work, 15.3.2027, draft)': see ``CohortChoiceField``."""
    details = [getattr(cohort, "course_title", "")]
    if cohort.start_date:
        details.append(date_format(cohort.start_date, "SHORT_DATE_FORMAT"))
    if not cohort.live:
        details.append(str(_("draft")))
    return f"{cohort.title} ({', '.join(filter(None, details))})"


class EnrollmentForm(WagtailAdminModelForm):
    """Enrols a person by name and email address; the account is found or
    created from the email address. The name is used for a new account, and
    a person withdrawn from the cohort is enrolled again.

    Editing a place corrects its person's name (a typo in the list), on
    every place of theirs: it is one account. Not that of an account that
    can use the admin, which is its owner's to change: its fields are shown
    but disabled."""

    # Capitalised as the model's own fields are on the form.
    email = forms.EmailField(label=capfirst(_("email address")))
    first_name = forms.CharField(
        label=capfirst(_("first name")), max_length=150, required=False
    )
    last_name = forms.CharField(
        label=capfirst(_("last name")), max_length=150, required=False
    )

    class Meta:
        model = Enrollment
        fields = ["cohort", "role", "organisation"]
        field_classes = {"cohort": CohortChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            self.fields["cohort"].queryset = with_course_title(
                cohorts_for_user(self.for_user).order_by("title")
            )
        if self.instance.pk:
            user = self.instance.user
            self.initial.update(
                email=user.email, first_name=user.first_name, last_name=user.last_name
            )
            if not self.instance.is_withdrawn:
                self.fields["cohort"].help_text = _(
                    "Moved to another cohort, they are emailed its welcome and "
                    "the invitations to its sessions (a draft cohort's when it "
                    "is published), and this cohort's sessions are cancelled "
                    "in their calendar."
                )
            if can_reach_admin(user):
                for name in ("first_name", "last_name"):
                    self.fields[name].disabled = True
                self.fields["last_name"].help_text = _(
                    "This account can use the admin: its owner changes the "
                    "name in their own account settings."
                )

    def clean(self):
        cleaned_data = super().clean()
        cohort, email = cleaned_data.get("cohort"), cleaned_data.get("email")
        if cohort and email and not self.instance.pk:
            others = cohort.enrollments.filter(user__email__iexact=email)
            if others.active().exists():
                self.add_error("email", _("This person is already in the cohort."))
            elif withdrawn := others.order_by("pk").first():
                self.restoring = withdrawn
                self.keep_participant(withdrawn, cleaned_data.get("role"))
        elif cohort and email:
            # Another address moves the place, with what its person wrote,
            # to a new account for that address: never to someone else's.
            others = cohort.enrollments.filter(user__email__iexact=email).exclude(
                pk=self.instance.pk
            )
            owner = (
                get_user_model()
                .objects.filter(email__iexact=email)
                .exclude(pk=self.instance.user_id)
            )
            if others.exists():
                self.add_error("email", _("This person is already in the cohort."))
            elif cohort.pk != self.instance.cohort_id and self.holds_work():
                self.add_error(
                    "cohort",
                    _(
                        "This person already has work in their cohort "
                        "(reflections, attendance or survey answers), which "
                        "stays with it. Withdraw them there and enrol them in "
                        "the other cohort."
                    ),
                )
            elif self.new_address(email) and owner.exists():
                self.add_error(
                    "email",
                    _(
                        "Another account has this address. What this person "
                        "wrote stays with their own account: withdraw them "
                        "from the cohort and enrol that address instead."
                    ),
                )
            self.keep_participant(self.instance, cleaned_data.get("role"))
        return cleaned_data

    restoring = None

    def holds_work(self):
        """Whether anything hangs on the place edited (see
        ``EnrollmentQuerySet.holding_work``). Moving it to another cohort
        would leave it under sessions and experiments of the first, unseen
        by the person and counted there."""
        places = Enrollment.objects.filter(pk=self.instance.pk)
        return places.holding_work().exists()

    def keep_participant(self, enrollment, role):
        """Refuse to make a participant with work a trainer, and say so."""
        if hides_work(enrollment, role):
            self.add_error("role", PARTICIPANT_WITH_WORK)

    def new_address(self, email):
        """Whether ``email`` is not the address of the enrolment's person
        (for a new enrolment, always)."""
        return not self.instance.pk or (
            email.lower() != self.instance.user.email.lower()
        )

    def save(self, commit=True):
        data = self.cleaned_data
        if self.restoring is not None:
            # The same row again, so that their reflections and attendance
            # are theirs again.
            restored = self.restoring
            restored.enrol_again(data["role"], data["organisation"])
            self.instance = restored
            if commit:
                restored.save()
                log(restored, audit.RESTORE)
            return restored
        if self.new_address(data["email"]):
            # The names are for a new account: an existing one keeps its own.
            self.instance.user = person_for_email(
                data["email"], data["first_name"], data["last_name"]
            )
        elif self.instance.pk and not self.fields["first_name"].disabled:
            user = self.instance.user
            names = (data["first_name"], data["last_name"])
            if (user.first_name, user.last_name) != names:
                user.first_name, user.last_name = names
                user.save(update_fields=["first_name", "last_name"])
        if not (commit and self.instance.pk):
            return super().save(commit)
        with transaction.atomic():
            # Moved to another cohort: a new placement there, welcomed
            # (``signals.enrolment_saved``) and in both cohorts' history.
            moved_from = self.instance.moved_from()
            place = super().save()
            if moved_from is not None:
                audit.log_move(place, moved_from)
        return place
