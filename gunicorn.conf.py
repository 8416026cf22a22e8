"""gunicorn settings for UPE Confer: `gunicorn -c gunicorn.conf.py upe_confer.wsgi`.

Everything an operator tunes comes from the environment; the rest is fixed here so every app
server behaves alike.
"""

import os

# Where to listen. Behind a load balancer or reverse proxy on the same host keep the loopback
# address; on a private network use the server's private address (never a public one).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Worker processes, each with a few threads: a request waiting on the database or Redis leaves
# the core to another thread of the same worker, and connections are kept alive between
# requests (gunicorn's synchronous workers close each one). About one worker per core is a good
# start; memory per worker is roughly 60 MB, and each thread holds its own database connection.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request that takes longer than this is killed and logged (the worker is replaced).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (deploys, restarts) workers finish the requests they hold for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Keep-alive from the load balancer: a little longer than most balancers' idle timeout default.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000

# One line per request on stdout: client, request line, status, bytes, duration in milliseconds.
# gunicorn times the whole request (WhiteNoise's static files and every middleware included),
# which a Django middleware could not. Errors and their tracebacks come from Django's logging
# (settings.LOGGING), also on stdout; gunicorn's own messages go to stderr.
# GUNICORN_ACCESS_LOG=off leaves it out, when a proxy in front logs each request already: one
# formatted line and one write less per request.
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG", "-") == "off" else "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The address of the proxy allowed to say a request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn 27 opens a control socket under ~/.gunicorn/ by default: we do not use it, and
# several instances on one host (or a read-only home) must not fight over it.
control_socket_disable = True
