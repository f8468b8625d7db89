"""Forms the course and cohort pages share in the admin."""

from wagtail.admin.forms.pages import CopyForm


class CopyWithoutAliasForm(CopyForm):
    """Wagtail's copy form without "Alias": a cohort is one run of a course
    with its own people, trainers and calendar, so a page that mirrors
    another cohort (or a course's cohorts) would share what is the
    original's alone. A copy is a cohort of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("alias", None)
