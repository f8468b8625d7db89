from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = SECRET_KEY or "django-insecure-virtu-dev-only"  # noqa: F405
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = os.environ.get(  # noqa: F405
    "EMAIL_BACKEND", "home.email.ReadableConsoleBackend"
)
