from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton

from cohorts.views import (
    CohortScopedIndexView,
    CohortScopedInspectView,
    CohortScopedViewSet,
)
from outbox.listing import counted
from privacy import access

from .comments import last_comment_at, post_comment
from .feedback import give_feedback, longest_waiting, next_awaiting, reviewable
from .filters import ReflectionFilterSet
from .forms import CommentForm, FeedbackForm
from .models import Reflection, question_of


class ReflectionIndexView(CohortScopedIndexView):
    export_cohort_path = "experiment__cohort"
    paginator_class = counted(
        ngettext_lazy("%(count)s reflection", "%(count)s reflections", "count")
    )

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("experiment__cohort", "author__user", "author__cohort")
            .filter(author__isnull=False)
        )


class ReviewView(WagtailAdminTemplateMixin, TemplateView):
    """A reflection with its experiment's prompts, the participant's earlier
    reflections, the feedback box and the comments; only the submitted
    reflections of the user's cohorts (404 for any other)."""

    template_name = "assignments/admin/review.html"
    page_title = _("Reflection")
    header_icon = "doc-full"
    index_url_name = None
    review_url_name = None
    next_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.reflection = get_object_or_404(
            reviewable(request.user).select_related(
                "experiment__cohort", "author__user", "feedback_by"
            ),
            pk=kwargs["pk"],
        )

    def get_page_subtitle(self):
        return f"{self.reflection.author.name}: {self.reflection.experiment.title}"

    def get_breadcrumbs_items(self):
        cohort = self.reflection.experiment.cohort
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Reflections")},
            {
                "url": reverse("cohorts:progress", args=[cohort.pk]),
                "label": cohort.title,
            },
            {"url": "", "label": self.get_page_subtitle()},
        ]

    @cached_property
    def next_reflection(self):
        return next_awaiting(self.request.user, after=self.reflection)

    @cached_property
    def header_buttons(self):
        if self.next_reflection is None:
            return []
        return [
            HeaderButton(
                _("Next reflection awaiting feedback"),
                reverse(self.review_url_name, args=[self.next_reflection.pk]),
                icon_name="arrow-right",
                # The page's own link below the form is there on a phone.
                classname="virtu-header-shortcut",
            )
        ]

    def answers(self, reflection):
        """(prompt, answer) pairs: the prompts as the participant answered
        them, else the experiment's."""
        prompts = reflection.experiment.prompt_list
        pairs = []
        for number, item in enumerate(reflection.answers or []):
            if not isinstance(item, dict):
                continue
            prompt = prompts[number] if number < len(prompts) else ""
            pairs.append((question_of(item, prompt), str(item.get("answer", ""))))
        return pairs

    def get_context_data(self, **kwargs):
        reflection = self.reflection
        earlier = (
            reviewable(self.request.user)
            .filter(author=reflection.author, submitted_at__lt=reflection.submitted_at)
            .select_related("experiment")
            .order_by("submitted_at", "pk")
        )
        comments = list(reflection.comments.select_related("author"))
        context = super().get_context_data(**kwargs)
        context.update(
            reflection=reflection,
            cohort=reflection.experiment.cohort,
            answers=self.answers(reflection),
            earlier=[
                (other, self.answers(other), Reflection.Progress(other.progress).label)
                for other in earlier
            ],
            comments=comments,
            # The trainer's comment is kept on the device until it is posted
            # (reflection.js), as the feedback is.
            last_comment_at=last_comment_at(comments, self.request.user),
            feedback_form=kwargs.get("feedback_form")
            or FeedbackForm(initial={"feedback": reflection.feedback}),
            comment_form=kwargs.get("comment_form") or CommentForm(),
            feedback_messages={
                "restored": gettext(
                    "Feedback you wrote on this device was not saved, so it "
                    "was put back. Check it and save."
                ),
                "keptLocally": gettext(
                    "Your feedback is kept on this device until you press "
                    "“Save feedback”."
                ),
            },
            comment_messages={
                "restored": gettext(
                    "A comment you wrote on this device was not posted, so it "
                    "was put back. Check it and post it."
                ),
                "keptLocally": gettext(
                    "Your comment is kept on this device until you press “Add comment”."
                ),
            },
            can_comment=self.request.user.has_perm("assignments.add_comment"),
            next_reflection=self.next_reflection,
            next_url=self.next_reflection
            and reverse(self.review_url_name, args=[self.next_reflection.pk]),
            progress_url=reverse(
                "cohorts:progress", args=[reflection.experiment.cohort_id]
            ),
        )
        return context

    def get(self, request, *args, **kwargs):
        access.record(
            request.user,
            access.Action.VIEW_REFLECTION,
            self.reflection.author.user,
            self.reflection.experiment.title,
        )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "comment":
            return self.post_comment()
        return self.post_feedback()

    def post_feedback(self):
        form = FeedbackForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, gettext("The feedback could not be saved."))
            return self.render_to_response(self.get_context_data(feedback_form=form))
        reflection = self.reflection
        if give_feedback(reflection, form.cleaned_data["feedback"], self.request.user):
            messages.success(
                self.request,
                gettext("Feedback saved. %(name)s gets an email about it.")
                % {"name": reflection.author.name},
            )
        elif reflection.feedback:
            messages.success(self.request, gettext("Feedback saved."))
        else:
            messages.success(self.request, gettext("Feedback removed."))
        target = reflection
        if self.request.POST.get("action") == "feedback-next":
            # The one that has waited longest, wherever it is in the list.
            target = longest_waiting(self.request.user, reflection) or reflection
        return redirect(self.review_url_name, target.pk)

    def post_comment(self):
        if not self.request.user.has_perm("assignments.add_comment"):
            raise PermissionDenied
        form = CommentForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, gettext("The comment could not be saved."))
            return self.render_to_response(self.get_context_data(comment_form=form))
        post_comment(self.reflection, self.request.user, form.cleaned_data["text"])
        messages.success(self.request, gettext("Comment added."))
        return redirect(
            reverse(self.review_url_name, args=[self.reflection.pk]) + "#comments"
        )


class NextAwaitingView(View):
    """To the reflection that has waited longest for feedback."""

    review_url_name = None
    index_url_name = None

    def get(self, request):
        reflection = next_awaiting(request.user)
        if reflection is None:
            messages.success(
                request, gettext("No reflections are awaiting your feedback.")
            )
            return redirect(self.index_url_name)
        return redirect(self.review_url_name, reflection.pk)


class ReflectionInspectView(CohortScopedInspectView):
    """A reflection with its answers, as on the review page: the access log
    records who opened it."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.object.author_id is not None:
            access.record(
                request.user,
                access.Action.VIEW_REFLECTION,
                self.object.author.user,
                self.object.experiment.title,
            )
        return response


class ReflectionViewSet(CohortScopedViewSet):
    """Reflections of the user's cohorts; participants write them on the site."""

    model = Reflection
    index_view_class = ReflectionIndexView
    icon = "doc-full"
    menu_label = _("Reflections")
    add_to_admin_menu = False
    url_prefix = "training/reflections"
    inspect_view_enabled = True
    inspect_view_class = ReflectionInspectView
    list_display = [
        TitleColumn(
            "experiment",
            label=_("Experiment"),
            url_name="reflections:review",
            sort_key="experiment__title",
        ),
        Column("author", label=_("Participant"), sort_key="author__user__last_name"),
        Column("cohort", label=_("Cohort"), accessor="experiment.cohort"),
        Column(
            "progress",
            label=_("State"),
            accessor=lambda reflection: Reflection.Progress(reflection.progress).label,
        ),
        "visibility",
        "submitted_at",
    ]
    filterset_class = ReflectionFilterSet
    list_export = [
        "experiment",
        "author",
        "status",
        "visibility",
        "is_late",
        "submitted_at",
        "feedback_at",
        "text",
    ]
    export_headings = {"author": _("Participant"), "text": _("Answers")}
    search_fields = ["author__user__first_name", "author__user__last_name"]
    inspect_view_fields = [
        "experiment",
        "author",
        "status",
        "visibility",
        "is_late",
        "submitted_at",
        "text",
    ]
    ordering = ["-updated_at"]
    #: Participants write reflections on the site; the admin only reads them,
    #: and the Coordinators and Trainers groups hold no add or change permission.
    #: Feedback and comments are given on the review view.
    form_fields = ["visibility"]

    @property
    def review_view(self):
        return ReviewView.as_view(
            index_url_name=self.get_url_name("index"),
            review_url_name=self.get_url_name("review"),
        )

    @property
    def next_view(self):
        return NextAwaitingView.as_view(
            index_url_name=self.get_url_name("index"),
            review_url_name=self.get_url_name("review"),
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("review/<int:pk>/", self.review_view, name="review"),
            path("review/next/", self.next_view, name="next"),
        ]
