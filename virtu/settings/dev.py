from .base import *  # noqa: F403

# On unless DEBUG says otherwise; scripts/demo.sh serves the demo with it
# off, so that it shows the site's own error pages, as a real site does.
DEBUG = env_bool("DEBUG", True)  # noqa: F405
SECRET_KEY = SECRET_KEY or "django-insecure-virtu-dev-only"  # noqa: F405
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = os.environ.get(  # noqa: F405
    "EMAIL_BACKEND", "home.email.ReadableConsoleBackend"
)
