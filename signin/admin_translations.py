"""Wagtail's and Django's own admin strings that their Finnish and Swedish
catalogues lack or get wrong, listed here so that ``makemessages`` keeps
them in this app's catalogue: its translations come before Wagtail's
(this app is above Wagtail in ``INSTALLED_APPS``). Nothing calls these."""

from django.utils.translation import gettext_noop, ngettext_lazy

WAGTAIL_STRINGS = [
    # Moving a page, and publishing an older revision of one.
    gettext_noop("Select a new parent for this page."),
    gettext_noop(
        "The slug '%(page_slug)s' is already in use at the selected parent page. "
        "Make sure the slug is unique and try again."
    ),
    # Saving a page whose slug another page under its parent has (two
    # cohorts of a course named alike).
    gettext_noop("The slug '%(page_slug)s' is already in use within the parent page."),
    gettext_noop(
        "Version from %(datetime)s of page '%(page_title)s' has been published."
    ),
    gettext_noop(
        "Version from %(previous_revision_datetime)s of page '%(page_title)s' has "
        "been scheduled for publishing."
    ),
    gettext_noop("The page could not be created due to validation errors."),
    gettext_noop("The page could not be saved due to validation errors."),
    gettext_noop("Autosave is paused"),
    # A participant who signs in on the admin's sign-in page.
    gettext_noop("You do not have permission to access the admin."),
    # The editor's footer while a form with errors is not autosaved.
    gettext_noop("Autosave is <span>paused</span>"),
    gettext_noop("There are validation errors, click save to highlight them."),
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
    # The page's status panel: who changed it when, and who can see it.
    gettext_noop("Once live anyone can view"),
    gettext_noop("at %(time)s"),
    gettext_noop("at %(time)s by %(user_display_name)s"),
    gettext_noop("%(time)s by %(user_display_name)s"),
    gettext_noop("%(time_period)s ago by %(user_display_name)s"),
    # Screen-reader labels of the side panels' and the sections' toggles.
    gettext_noop("Toggle status"),
    gettext_noop("Toggle preview"),
    gettext_noop("Toggle comments"),
    gettext_noop("Toggle checks"),
    gettext_noop("Toggle section"),
    # The checks panel: the content metrics, their explanation, and the
    # accessibility checker's findings.
    gettext_noop("Checks"),
    gettext_noop("Content metrics"),
    gettext_noop("This data explained"),
    gettext_noop("How we calculate our metrics"),
    gettext_noop("Readability"),
    gettext_noop(
        "We extract the main content from the page preview, remove all "
        "formatting, and calculate the number of words."
    ),
    gettext_noop(
        "We calculate reading time from word count, using different reading "
        "speeds for different languages."
    ),
    gettext_noop(
        "We use a readability formula based on length of words and sentences. "
        "Long sentences and words result in a worse readability score."
    ),
    gettext_noop(
        'See our <a href="%(guide_link)s" target="_blank">content checks '
        "guide</a> for more information on how content metrics are calculated."
    ),
    gettext_noop("Button text is empty"),
    gettext_noop("Empty heading found"),
    gettext_noop("Link text is empty"),
    gettext_noop("Table header text is empty"),
    gettext_noop("Empty frame title found"),
    gettext_noop("Incorrect heading hierarchy"),
    gettext_noop("Avoid skipping levels"),
    gettext_noop("Input button text is empty"),
    gettext_noop("Misusing paragraphs as headings"),
    gettext_noop("Use proper heading tags"),
    gettext_noop("Image alt text has inappropriate pattern"),
    gettext_noop("Use meaningful text"),
    gettext_noop("Use meaningful text for screen reader users"),
    gettext_noop("Use a meaningful title for screen reader users"),
    gettext_noop("Meta description is empty"),
    gettext_noop("Add a concise description for search engines"),
    # Editing sessions: the same page open in another window or by someone
    # else, and the dialog when saving fails.
    gettext_noop("View latest version"),
    gettext_noop("A network error occurred"),
    gettext_noop("Currently idle"),
    gettext_noop("Currently viewing"),
    gettext_noop("You saved a new version in another window"),
    gettext_noop("You have unsaved changes in another window"),
    gettext_noop("Proceeding will overwrite the changes you made in that window."),
    gettext_noop("Proceeding will overwrite the changes made by %(user_name)s."),
    gettext_noop("Alternatively, you can view the latest version in a new tab."),
    gettext_noop("Saving will overwrite a newer version."),
    # The keyboard shortcuts dialog ("account" is the link in the notes).
    gettext_noop("Application"),
    gettext_noop("Toggle minimap"),
    gettext_noop("Close modal dialogs (like this one)"),
    gettext_noop("Add or show comments"),
    gettext_noop("Text editing"),
    gettext_noop("Section"),
    gettext_noop(
        "Keyboard shortcuts are currently disabled; manage your "
        "%(account_link)s to enable them."
    ),
    gettext_noop(
        "Keyboard shortcuts are currently enabled; manage your "
        "%(account_link)s to disable them."
    ),
    gettext_noop("account"),
    # The page explorer's filters, and its bulk actions' label and messages.
    gettext_noop("Edited by"),
    gettext_noop("Has child pages"),
    gettext_noop("Any"),
    gettext_noop("Date updated"),
    gettext_noop("Unpublish selected pages"),
    gettext_noop("%(parent_pages)s and %(child_pages)s have been unpublished"),
    gettext_noop("%(parent_pages)s and %(child_pages)s have been published"),
    gettext_noop("%(parent_pages)s and %(child_pages)s have been deleted"),
]

#: Plurals, as ``ngettext`` entries. Wagtail's Finnish reads "Tämä ryhmä on
#: viitattu 0 kertaa" (unpublishing a cohort shows it).
WAGTAIL_PLURALS = [
    ngettext_lazy(
        "This %(model_name)s is referenced %(usage_count)s time.",
        "This %(model_name)s is referenced %(usage_count)s times.",
        "usage_count",
    ),
    # Unpublishing a page with live subpages (a course with its cohorts):
    # Wagtail's Finnish lacks it, its Swedish lacks the space after "har".
    ngettext_lazy(
        "This page has one subpage. Unpublish this too",
        "This page has %(live_descendant_count)s subpages. Unpublish these too",
        "live_descendant_count",
    ),
    # Bulk unpublishing and publishing in the page explorer.
    ngettext_lazy(
        "This page has one subpage",
        "This page has %(counter)s subpages",
        "counter",
    ),
    ngettext_lazy(
        "This page has one unpublished subpage",
        "This page has %(counter)s unpublished subpages",
        "counter",
    ),
    ngettext_lazy("Unpublish 1 page", "Unpublish %(counter)s pages", "counter"),
    ngettext_lazy(
        "You don't have permission to unpublish this page",
        "You don't have permission to unpublish these pages",
        "counter",
    ),
    ngettext_lazy(
        "%(num_parent_objects)d page",
        "%(num_parent_objects)d pages",
        "num_parent_objects",
    ),
    ngettext_lazy(
        "%(num_child_objects)d child page",
        "%(num_child_objects)d child pages",
        "num_child_objects",
    ),
    ngettext_lazy(
        "%(num_parent_objects)d page has been unpublished",
        "%(num_parent_objects)d pages have been unpublished",
        "num_parent_objects",
    ),
    ngettext_lazy(
        "%(num_parent_objects)d page has been published",
        "%(num_parent_objects)d pages have been published",
        "num_parent_objects",
    ),
    ngettext_lazy(
        "%(num_parent_objects)d page has been deleted",
        "%(num_parent_objects)d pages have been deleted",
        "num_parent_objects",
    ),
    # Editing sessions: more people on the page than its avatars show.
    ngettext_lazy(
        "One other user is currently viewing",
        "%(num_user)s other users are currently viewing",
        "num_user",
    ),
]
