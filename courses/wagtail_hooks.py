from wagtail import hooks

from .views import course_buttons


@hooks.register("register_page_header_buttons")
def course_header_buttons(page, user, view_name, next_url=None):
    return course_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def course_listing_buttons(page, user, next_url=None):
    return course_buttons(page, user)
