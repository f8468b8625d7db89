"""What each email is for. The apps that send emails declare their kinds
with the ``register_email_kinds`` hook, so that the outbox can name and
filter them without knowing the apps::

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback on a reflection")

    @hooks.register("register_email_kinds")
    def email_kinds():
        return Kind

A kind whose member has a true ``holds_sign_in_link`` is an email whose text
nobody but its recipient may read; one with a true ``for_open_accounts``
is not sent to an account closed after it was queued (it is dropped).

A kind may also have a renderer (the ``register_email_renderers`` hook: a
function that returns {kind: renderer}). A renderer takes the outbox row and
returns a ``Rendered`` message, or None when the message is not needed any
more (the person it was for has gone, say); the worker calls it when it
sends the row, in the recipient's language.
"""

from dataclasses import dataclass

from wagtail import hooks


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""
    ics: str = ""
    ics_method: str = ""
    #: The text holds a secret (a sign-in link): it is sent, never stored.
    private: bool = False


def registered():
    """{value: kind member} of every registered kind."""
    kinds = {}
    for get_kinds in hooks.get_hooks("register_email_kinds"):
        for kind in get_kinds():
            kinds[kind.value] = kind
    return kinds


def renderers():
    """{value: renderer} of the kinds that are rendered when sent."""
    found = {}
    for get_renderers in hooks.get_hooks("register_email_renderers"):
        found.update(get_renderers())
    return found


def label(value):
    kind = registered().get(value)
    return kind.label if kind is not None else value


def choices():
    return sorted(
        ((value, kind.label) for value, kind in registered().items()),
        key=lambda choice: str(choice[1]),
    )


def holds_sign_in_link(value):
    return bool(getattr(registered().get(value), "holds_sign_in_link", False))


def for_open_accounts(value):
    return bool(getattr(registered().get(value), "for_open_accounts", False))
