from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("my/data/", views.my_data, name="my_data"),
    path("my/data/export/", views.request_export, name="request_export"),
    path("my/data/exports/<int:export_id>/", views.download, name="download"),
    path("my/data/erase/", views.request_erasure, name="request_erasure"),
    path("my/data/erase/withdraw/", views.withdraw_erasure, name="withdraw_erasure"),
    # Fixed addresses for the footer of every page (no query to render it).
    path("statements/privacy/", views.privacy_notice, name="privacy_notice"),
    path(
        "statements/accessibility/", views.accessibility_statement, name="accessibility"
    ),
]
