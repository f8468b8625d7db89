from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from assignments.participant_views import commissioner_note, places
from cohorts.models import Enrollment


class HomePage(Page):
    """The site's front page: what the site is and how to sign in, and for
    someone signed in, their cohorts."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if request.user.is_authenticated:
            # With why a cohort they had is not here, or where a
            # commissioner's figures are, as My training says.
            current, former = places(
                Enrollment.objects.filter(user=request.user)
                .select_related("cohort")
                .order_by("cohort__start_date", "cohort__title", "cohort__pk")
            )
            context.update(
                enrollments=current,
                former=former,
                commissioner=commissioner_note(request.user, current, former),
            )
        return context
