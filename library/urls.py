from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("", views.index, name="index"),
    path("patterns/<int:pattern_id>/", views.pattern, name="pattern"),
    path("stories/<int:story_id>/", views.story, name="story"),
    path("share/<int:reflection_id>/", views.share, name="share"),
]
