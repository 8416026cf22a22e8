"""Settings for UPE Confer, read from the environment (django-environ).

Local defaults are safe and need nothing: a SQLite file, DEBUG off unless asked for,
a throwaway secret key that is refused when DEBUG is off outside tests.
"""

import datetime
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# pytest imports itself before it loads the settings; gunicorn, manage.py and cron never do.
TESTING = "pytest" in sys.modules
# Production is anything that is neither a developer's DEBUG run nor the test suite: there every
# setting below that matters for safety comes from the environment, with no usable default.
PRODUCTION = not DEBUG and not TESTING

LOCAL_SECRET_KEY = "local-development-only-not-a-secret"
SECRET_KEY = env.str("SECRET_KEY", default=LOCAL_SECRET_KEY)
MAKE_A_SECRET_KEY = "SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\""
if PRODUCTION and SECRET_KEY in ("", LOCAL_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off, UPE Confer needs a real secret key from the "
        f"environment, the same on every app server, e.g. {MAKE_A_SECRET_KEY}. "
        "For local work set DEBUG=true (scripts/run does)."
    )
# What Django's deploy check calls strong (security.W009): 50 characters or more, at least 5
# different ones, not a key Django generated for a development project.
if PRODUCTION and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: it signs sign-in sessions and password-reset links, so it needs "
        "at least 50 characters of which at least 5 differ, and must not be a development key "
        f"(django-insecure-…). Make one with {MAKE_A_SECRET_KEY}."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "upe_confer.apps.ConferAdminConfig",  # django.contrib.admin, hardened (admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_tasks_db",
    "ninja",  # the API's interactive docs, served from our own static files (no CDN; CSP)
    "sessions.apps.SessionsConfig",
    "members.apps.MembersConfig",
    "upe_confer.apps.UpeConferConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "upe_confer.malformed.refuse_nul_characters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "upe_confer.conditional.private_pages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a refused sign-in into the lockout page (upe_confer/signin.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "upe_confer.urls"
WSGI_APPLICATION = "upe_confer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# In production a gunicorn worker keeps its database connection between requests instead of
# opening one per request (the largest cost of a small page: /healthz went from 35 to 221 req/s),
# and checks it still works before reusing it. runserver's thread per request gains nothing.
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A page's query reads one page of rows; starting parallel workers for it took longer than
    # the work they shared (~25 ms on a 2-core machine: the admin's commitments of one topic,
    # 80 -> 114 ms at 100,000 commitments), and they compete with the app's own threads for the
    # same cores. An `options` in DATABASE_URL comes after this one, so it can turn them back on.
    db_options = DATABASES["default"].setdefault("OPTIONS", {})
    db_options["options"] = (
        f"-c max_parallel_workers_per_gather=0 {db_options.get('options', '')}".strip()
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
# Production serves the files `collectstatic` wrote: compressed, with a content hash in every
# name, so WhiteNoise can tell browsers to keep them for a year. Development and tests read the
# source files and need no collectstatic.
# Documents attached to the record (sessions/documents.py) are private: never served from a
# URL of their own, only through a view that applies the session's per-unit rules. They live
# under MEDIA_ROOT (outside static/; no MEDIA_URL is routed) or, with DOCUMENTS_S3_BUCKET set, in
# an S3-compatible bucket that several app servers share (django-storages).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/no-public-media/"  # never routed: files are downloaded through a view
DOCUMENTS_S3_BUCKET = env.str("DOCUMENTS_S3_BUCKET", default="")
if DOCUMENTS_S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_S3_BUCKET,
            "endpoint_url": env.str("DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DOCUMENTS_S3_REGION", default="") or None,
            "access_key": env.str("DOCUMENTS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("DOCUMENTS_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Owner-only files and folders: other accounts on the machine cannot read them.
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }
# The largest document accepted, in megabytes (a proxy in front may need the same limit).
DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=25)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Sign-in throttling (django-axes, upe_confer/signin.py): after AXES_FAILURE_LIMIT wrong
# passwords for one username, or from one address, signing in is paused for AXES_LOCKOUT_MINUTES
# (each try meanwhile starts the wait again), on the site and the admin alike. Attempts are
# counted in the database, so every app server shares them; Staff lift a lockout in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "upe_confer.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "upe_confer.signin.client_ip"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)

# Backups (upe_confer/backup.py) are encrypted with this Fernet key when it is set; several keys,
# comma-separated, let an old backup be read after the key changes (the first one encrypts).
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "members:signed_in"
LOGOUT_REDIRECT_URL = "/"

# No inline script anywhere: pages load their scripts and styles from our own origin only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

MAILERS = {
    "default": {
        "BACKEND": env.str(
            "MAIL_BACKEND",
            default="django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
    },
}
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": env.str("SMTP_HOST", default="localhost"),
        "port": env.int("SMTP_PORT", default=587),
        "username": env.str("SMTP_USER", default=""),
        "password": env.str("SMTP_PASSWORD", default=""),
        "use_tls": env.bool("SMTP_USE_TLS", default=True),
    }
# Background work (django.tasks): rows in the database, run by `manage.py db_worker` processes.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The site's public address, for links in emails (written outside any request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="UPE Confer <no-reply@upe.example>")

# A cache shared by every app server when REDIS_URL is set (sessions live there too, backed by the
# database); otherwise each process keeps its own small cache and sessions are in the database.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "upe_confer.cache.KeptClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="upe"),
            # A Redis that stops answering must not hang every request: fail fast, and /healthz
            # says so.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# How long a reverse proxy or CDN in front may answer with a public page (anonymous visitors, no
# cookie) without asking us: the most a withdrawn update can linger there. 0: it asks each time.
PUBLIC_PAGE_SHARED_SECONDS = env.int("PUBLIC_PAGE_SHARED_SECONDS", default=10)
# scripts/benchmark compares every page with a bare view (/benchmark/bare) on the same servers.
BENCHMARK_BARE_VIEW = env.bool("BENCHMARK_BARE_VIEW", default=False)
# Where the content versions that say whether a kept page is fresh live (upe_confer.versions): in
# the cache when every process shares it, else in the database.
CONTENT_VERSIONS_IN_CACHE = env.bool("CONTENT_VERSIONS_IN_CACHE", default=bool(REDIS_URL))
# Each process keeps the numbers it read and listens to Redis for their moves (no round trip per
# page); false: every page reads them from Redis.
CONTENT_VERSIONS_LISTEN = env.bool("CONTENT_VERSIONS_LISTEN", default=True)

# Production hardening (what `manage.py check --deploy` asks for). Browsers reach the app over
# HTTPS only; behind a load balancer that terminates TLS set BEHIND_PROXY=true, and make sure the
# proxy overwrites X-Forwarded-Proto on every request.
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers ask for /healthz over plain HTTP: answer them instead of redirecting.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Everything to stdout, where the process manager (systemd, a container runtime) collects it.
# One line per request comes from gunicorn's access log (gunicorn.conf.py); errors come from
# Django's `django.request` logger, with their traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default configuration mails admins on errors: we have no mail for that; the
        # traceback goes to the log instead (propagated to the root handler).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's own one-line-per-request log.
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # A request for a host we do not serve is a scanner, not an error of ours: the access
        # log shows its 400 already, without a traceback each time.
        "django.security.DisallowedHost": {"handlers": [], "level": "CRITICAL", "propagate": False},
        # django-axes logs every sign-in at INFO; failures and lockouts are WARNING.
        "axes": {"handlers": [], "level": "WARNING", "propagate": True},
    },
}

# The read-only API (/api/v1/, api/): requests per personal token ("600/min", "10/s"), and
# how many rows a page holds by default and at most.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
