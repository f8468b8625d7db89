"""Wagtail's and Django's own admin strings that their Finnish and Swedish
catalogues lack or get wrong, listed here so that ``makemessages`` keeps
them in this app's catalogue: its translations come before Wagtail's
(this app is above Wagtail in ``INSTALLED_APPS``). Nothing calls these."""

from django.utils.translation import gettext_noop, ngettext_lazy

WAGTAIL_STRINGS = [
    gettext_noop("The page could not be created due to validation errors."),
    gettext_noop("The page could not be saved due to validation errors."),
    gettext_noop("Autosave is paused"),
    gettext_noop("Saved"),
    gettext_noop("- Select an option -"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("More options for '%(title)s'"),
    gettext_noop("Actions"),
    gettext_noop("Sort menu order"),
    gettext_noop("Show keyboard shortcuts"),
    gettext_noop("Close dialog"),
    gettext_noop("Edit account avatar"),
    gettext_noop("Search all pages…"),
    gettext_noop("Show issue"),
    gettext_noop("Actions (footer)"),
    gettext_noop(
        "Correct the validation errors to resume preview (saving will highlight errors)"
    ),
    gettext_noop(
        "Troubleshoot your connection to the site before proceeding. Open the "
        "editor in a separate tab to view the last saved version."
    ),
    # An empty listing, the page explorer's heading and the dashboard.
    gettext_noop("There are no %(model_name)s to display."),
    gettext_noop(
        'There are no %(model_name)s to display. Why not <a href="%(add_url)s">'
        "add one</a>?"
    ),
    gettext_noop("No %(model_name)s match your query."),
    gettext_noop("Go to the first error"),
    gettext_noop("Exploring"),
    gettext_noop("Wagtail %(current_version)s editor guide"),
    # The page explorer's count, read out with its title column's header.
    gettext_noop("%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s"),
]

#: Wagtail's Finnish reads "Tämä ryhmä on viitattu 0 kertaa" (unpublishing
#: a cohort shows it).
WAGTAIL_PLURALS = [
    ngettext_lazy(
        "This %(model_name)s is referenced %(usage_count)s time.",
        "This %(model_name)s is referenced %(usage_count)s times.",
        "usage_count",
    ),
]
