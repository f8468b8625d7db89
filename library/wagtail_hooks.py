from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from signin.header import HeaderLink

from . import personal_data
from .admin_views import LibraryViewSetGroup
from .emails import Kind
from .models import Story
from .signals import approval_withdrawn, shared, shared_again
from .usage import copy_pattern_links, usage_buttons, usage_urls
from .views import offered_library, reviewer_of

# Before assignments' entries: stories point at reflections.
hooks.register("register_personal_data", personal_data.personal_data, order=-10)


@hooks.register("register_email_kinds")
def library_email_kinds():
    return Kind


@hooks.register("register_admin_viewset")
def register_library_viewsets():
    return LibraryViewSetGroup()


@hooks.register("reflection_links")
def story_links(reflection, user):
    """On a shared reflection: its author publishes it in the library; the
    cohort's trainers approve it. A story of a reflection taken back from
    the cohort waits for nobody: no trainer is asked until it is shared."""
    story = Story.objects.filter(reflection=reflection).first()
    if reflection.author_id is not None and reflection.author.user_id == user.pk:
        if story is None:
            label = _("Publish in the experiment library")
        elif not shared(reflection):
            label = _(
                "Not in the experiment library while your reflection is for the "
                "trainers only"
            )
        elif story.approved_at is None:
            label = _("In the experiment library: waiting for a trainer's approval")
        else:
            label = _("Published in the experiment library")
        return [{"url": reverse("library:share", args=[reflection.pk]), "label": label}]
    if (
        story is not None
        and story.approved_at is None
        and shared(reflection)
        and reviewer_of(user, story)
    ):
        return [
            {
                "url": reverse("library:story", args=[story.pk]),
                "label": _("Asked to be published in the library: approve or decline"),
            }
        ]
    return []


@hooks.register("after_save_reflection")
def story_waits_again(request, reflection):
    """Its author changed a story a trainer had approved, or took it back
    from the cohort: the library shows it again only once a trainer
    approves it again."""
    if approval_withdrawn(reflection) and not shared(reflection):
        message = _(
            "Your story is no longer shown in the experiment library. If you "
            "share your reflection with your cohort again, it is shown again "
            "once a trainer approves it."
        )
    elif approval_withdrawn(reflection):
        message = _(
            "Your story will be shown in the experiment library again once "
            "a trainer approves the change."
        )
    elif shared_again(reflection):
        message = _(
            "Your story will be shown in the experiment library once a "
            "trainer approves it."
        )
    else:
        return
    messages.info(request, message)


@hooks.register("experiment_choice_links")
def library_link(enrollment, gap):
    return [
        {
            "url": reverse("library:index"),
            "label": _("Looking for ideas? Browse the experiment library"),
        }
    ]


hooks.register("register_course_admin_urls", usage_urls)
hooks.register("after_copy_page", copy_pattern_links)


@hooks.register("register_page_header_buttons")
def usage_header_buttons(page, user, view_name, next_url=None):
    return usage_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def usage_listing_buttons(page, user, next_url=None):
    return usage_buttons(page, user)


@hooks.register("register_site_header_link", order=20)
def header_link():
    return HeaderLink(
        "library",
        gettext_lazy("Experiment library"),
        "library:index",
        shown_to=offered_library,
    )
