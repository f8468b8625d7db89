from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("link/<str:token>/", views.link, name="link"),
    # The admin's password pages, opened in the language of the email that
    # links to them.
    path("password_reset/", views.password_reset, name="password_reset"),
    path(
        "password_reset/confirm/<str:uidb64>/<str:token>/",
        views.password_reset,
        name="password_reset_confirm",
    ),
]
