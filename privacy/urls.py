from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("export/", views.request_export, name="request_export"),
    path("exports/<int:export_id>/", views.download, name="download"),
    path("erase/", views.request_erasure, name="request_erasure"),
    path("erase/withdraw/", views.withdraw_erasure, name="withdraw_erasure"),
]
