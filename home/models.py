from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from assignments.participant_views import former_places
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
            context["enrollments"] = (
                Enrollment.objects.active()
                .filter(user=request.user, cohort__live=True)
                .select_related("cohort")
                .order_by("cohort__start_date", "cohort__title", "cohort__pk")
            )
            if not context["enrollments"]:
                # Why a cohort they had is not here, as My training says.
                context["former"] = former_places(request.user)
        return context
