"""gunicorn's settings for Virtu (``scripts/serve.sh``)::

    gunicorn -c virtu/gunicorn_conf.py virtu.wsgi

Each value can be changed by an environment variable; README "Production"
lists them. The access log never holds a query string or a token
(``virtu/access_log.py``).
"""

import os

#: Where to listen: behind a proxy on this host, the loopback interface.
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

#: Processes: two per core, so one waiting on the database leaves the core to
#: another; each with threads for the requests that wait on I/O.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

#: A worker that stops answering its master for this long is replaced; one
#: asked to stop finishes its requests for up to graceful_timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
#: Connections from the proxy are kept open between requests for this long.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
#: Workers are replaced now and then, so that no slow leak grows for ever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

#: The proxies whose X-Forwarded-* headers gunicorn believes.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

#: Logs to standard output and error, for the journal or the platform (or
#: to files; an empty GUNICORN_ACCESS_LOG turns the access log off).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "virtu.access_log.RedactingLogger"
#: Client, time, request line (path without its query string, tokens
#: replaced), status, bytes, milliseconds, Referer (the same), user agent.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# The workers' heartbeat files in shared memory (tmpfs), not on a disk that
# may stall, as gunicorn advises; gunicorn makes them with mkstemp there.
SHARED_MEMORY = "/dev/shm"  # nosec B108 - a tmpfs mount, not a file path
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY

# No control socket: nothing here uses it, and two servers on one host would
# share its default path.
control_socket_disable = True
