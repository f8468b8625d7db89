"""Sign-in settings, each read from ``VIRTU_<NAME>`` with a default."""

from datetime import timedelta

from django.conf import settings


def setting(name, default=None):
    return getattr(settings, f"VIRTU_{name}", default)


def link_lifetime():
    """How long a sign-in link works: ``VIRTU_SIGN_IN_LINK_DAYS``, 14 days."""
    return timedelta(days=float(setting("SIGN_IN_LINK_DAYS", 14)))


def links_per_address():
    """Links one address may ask for in an hour."""
    return int(setting("SIGN_IN_LINKS_PER_ADDRESS", 5))


def requests_per_ip():
    """Link requests one client address may make in an hour. Generous: a
    whole organisation's staff may reach the site from one address, and a
    cohort or several ask for links when a session begins; each address
    asked for has its own, tighter limit (``links_per_address``)."""
    return int(setting("SIGN_IN_REQUESTS_PER_IP", 200))


def password_failures_per_account():
    """Wrong passwords for one user name in an hour before it is refused."""
    return int(setting("PASSWORD_FAILURES_PER_ACCOUNT", 10))


def password_failures_per_ip():
    """Wrong passwords from one client address in an hour before it is refused."""
    return int(setting("PASSWORD_FAILURES_PER_IP", 50))


def client_ip_header():
    """The request header that holds the client's address: ``REMOTE_ADDR``
    unless a proxy in front sets another (e.g. ``HTTP_X_REAL_IP``); behind a
    proxy every request would otherwise share the proxy's address."""
    return setting("CLIENT_IP_HEADER") or "REMOTE_ADDR"
