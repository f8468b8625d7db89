from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_ANSWER_LENGTH, MAX_COMMENT_LENGTH, Comment


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
    feedback = forms.CharField(
        label=_("Feedback"),
        required=False,
        max_length=MAX_ANSWER_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "The participant gets an email when you save new or changed "
            "feedback. Empty the box and save to take feedback back."
        ),
    )


class CommentForm(ErrorsDescribeFieldsMixin, forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        labels = {"text": _("Your comment")}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT_LENGTH})
        }
