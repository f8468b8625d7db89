from django.urls import path

from .calendar import views as calendar_views

app_name = "calendar"

urlpatterns = [
    path("", calendar_views.subscription, name="subscription"),
    path("feed/<str:token>.ics", calendar_views.feed, name="feed"),
    path("session/<uuid:uid>.ics", calendar_views.session_download, name="session"),
    path("cohort/<int:pk>.ics", calendar_views.cohort_download, name="cohort"),
]
