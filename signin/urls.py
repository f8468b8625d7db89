from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("link/<str:token>/", views.link, name="link"),
]
