from django import forms
from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from courses.forms import limit_attrs, limit_help

from .models import MAX_ANSWER_LENGTH, MAX_COMMENT_LENGTH, Comment


def too_long(limit, length):
    return _(
        "This text is %(length)s characters long; the limit is %(limit)s. "
        "Shorten it: what you wrote is kept."
    ) % {
        "length": number_format(length, force_grouping=True),
        "limit": number_format(limit, force_grouping=True),
    }


def typed_text(text):
    """``text`` as it is stored: line breaks as ``\n`` (browsers send a
    textarea's as ``\r\n``, which exports would carry into cells), and no
    NUL characters (invisible, only ever pasted or scripted, and PostgreSQL
    cannot store them)."""
    return text.replace("\r\n", "\n").replace("\x00", "")


class TypedTextField(forms.CharField):
    """Text that people type or paste, up to ``limit`` characters.

    Every such box says its limit: after its help text, and near the limit
    virtu/limit.js counts down to it, in the words the box carries
    (``limit_attrs``). The length is checked here rather than with
    ``max_length``: that would add a ``maxlength`` attribute, and browsers
    silently cut pasted text to it. NUL characters are dropped rather than
    refused (``typed_text``)."""

    def __init__(self, *, limit, help_text="", **kwargs):
        self.limit = limit
        if help_text:
            help_text = format_lazy("{} {}", help_text, limit_help(limit))
        else:
            help_text = limit_help(limit)
        super().__init__(help_text=help_text, **kwargs)

    def limit_attrs(self):
        """The box's attributes for virtu/limit.js (the template of the
        participant pages' boxes writes them out too)."""
        return limit_attrs(self.limit)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), **self.limit_attrs()}

    def to_python(self, value):
        if isinstance(value, str):
            value = typed_text(value)
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if len(value) > self.limit:
            raise forms.ValidationError(too_long(self.limit, len(value)))


class ErrorsDescribeFieldsMixin:
    """Tie each field's errors to it with aria-describedby, after its help
    text (the template gives the errors the id ``<field id>-error``)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field_id = self[name].auto_id
            ids = [f"{field_id}-error"]
            if self.fields[name].help_text:
                ids.insert(0, f"{field_id}-helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


class FeedbackForm(ErrorsDescribeFieldsMixin, forms.Form):
    feedback = TypedTextField(
        label=_("Feedback"),
        required=False,
        limit=MAX_ANSWER_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "The participant gets an email when you save new or changed "
            "feedback. Empty the box and save to take feedback back."
        ),
    )


class CommentForm(ErrorsDescribeFieldsMixin, forms.ModelForm):
    text = TypedTextField(
        label=_("Your comment"),
        limit=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Comment
        fields = ["text"]
