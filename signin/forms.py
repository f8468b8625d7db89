from django import forms
from django.utils.translation import gettext_lazy as _


class LinkRequestForm(forms.Form):
    """An address to send a new sign-in link to."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
