from django.urls import path

from . import views

app_name = "impact"

urlpatterns = [
    path("<int:cohort_id>/<str:wave>/", views.survey, name="survey"),
    path("<int:cohort_id>/<str:wave>/autosave/", views.autosave, name="autosave"),
]
