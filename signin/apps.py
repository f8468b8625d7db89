from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "signin"
    verbose_name = _("Sign-in")

    def ready(self):
        from . import checks, signals  # noqa: F401
