from django.urls import path

from . import choice_views
from . import participant_views as views

app_name = "participant"

urlpatterns = [
    path("", views.my_training, name="my_training"),
    path("experiments/<int:experiment_id>/", views.reflection, name="reflection"),
    path(
        "experiments/<int:experiment_id>/autosave/",
        views.autosave,
        name="autosave",
    ),
    path("cohorts/<int:cohort_id>/", views.cohort, name="cohort"),
    path(
        "cohorts/<int:cohort_id>/choose/<int:gap>/",
        choice_views.choose,
        name="choose",
    ),
    path(
        "reflections/<int:reflection_id>/",
        views.shared_reflection,
        name="shared_reflection",
    ),
]
