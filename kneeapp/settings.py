"""kneeapp's one settings module.

Every setting a deployment may change is read from the environment through the small
typed helpers below. The defaults serve a laptop with no external server (SQLite and a
filesystem broker under ``var/``, email on the console); production differs only by
environment variables. A bad value stops the start with a message naming the variable.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KNEEAPP_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn ``postgres://user:pass@host:port/name`` or ``sqlite:///path`` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("//") else parts.path)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or VAR_DIR / "kneeapp.sqlite3"}
    if parts.scheme in ("postgres", "postgresql"):
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "kneeapp.postgresql",  # Django's, with a cheaper health check
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 60),
            # Before a kept connection's first query in each request, a check that the server
            # has not closed it (a restart is met by a silent reconnect, not a 503): without a
            # round trip while its socket is quiet (kneeapp/postgresql/base.py).
            "CONN_HEALTH_CHECKS": envbool("DATABASE_CONN_HEALTH_CHECKS", True),
            # The hottest statements prepared once per connection (kneeapp/postgresql/base.py).
            "PREPARED_STATEMENTS": envbool("DATABASE_PREPARED_STATEMENTS", True),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite://, not {parts.scheme or url!r}"
    )


def mailer_from_url(url: str) -> dict:
    """Read ``smtp://user:pass@host:port?tls=true`` (or ``console:``) into a MAILERS entry."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, smtps:// or console:, not {url!r}"
        )
    query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": query.get("tls") in ("true", "1"),
            "timeout": envint("EMAIL_TIMEOUT", 10),
        },
    }


def secret_key() -> str:
    """The SECRET_KEY from the environment, or one generated once into var/ for a laptop."""
    if value := env("SECRET_KEY"):
        return value
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = envbool("DEBUG", True)
SECRET_KEY = secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The number the emergency message tells a patient to call (999 in the UK, 112 in the EU,
# 911 in North America).
EMERGENCY_PHONE_NUMBER = env("EMERGENCY_PHONE_NUMBER", "999")
if not EMERGENCY_PHONE_NUMBER.replace(" ", "").isdigit():
    raise ImproperlyConfigured(
        f"EMERGENCY_PHONE_NUMBER must be digits, not {EMERGENCY_PHONE_NUMBER!r}"
    )

INSTALLED_APPS = [
    "kneeapp",
    "triage",
    "diary",
    "reminders",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kneeapp.staticfiles.StaticFilesMiddleware",  # whitenoise: hashed names for a year
    "kneeapp.middleware.QueryGuardMiddleware",  # NUL and admin regex lookups: a 400
    # Pages and API answers gzipped (whitenoise serves static files already compressed);
    # Django's GZip pads each response at random against BREACH, and CSRF tokens are masked.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user fetched with the check that the session's row still stands.
    "kneeapp.sessions.SessionUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kneeapp.middleware.SessionTimeoutMiddleware",
    # A patient without consent to the current text is asked first (kneeapp/consent.py).
    "kneeapp.consent.ConsentMiddleware",
    # Every admin page that shows a patient's data is recorded (kneeapp/audit.py).
    "kneeapp.audit.StaffAccessMiddleware",
    "kneeapp.outbox.OutboxOwnerMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kneeapp.middleware.PermissionsPolicyMiddleware",
    "kneeapp.middleware.PrivateResponsesMiddleware",
    # Last, so it sees a view's exception first: a database refusing a write is a 503.
    "kneeapp.middleware.DatabaseRefusalMiddleware",
]

ROOT_URLCONF = "kneeapp.urls"
WSGI_APPLICATION = "kneeapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kneeapp.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kneeapp.sqlite3'}"))
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the Celery worker write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "kneeapp.User"
# Django's password check, refused while an email or network address is locked out.
AUTHENTICATION_BACKENDS = ["kneeapp.signin.ThrottledModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
# Throttling (kneeapp.signin), counted in the database that every worker shares: that many
# failed sign-ins, or password reset requests, within THROTTLE_WINDOW seconds lock the email
# address or the network address for THROTTLE_LOCKOUT seconds. Behind a reverse proxy,
# TRUSTED_PROXIES says how many hops of X-Forwarded-For to trust for the client's address.
SIGN_IN_FAILURES_PER_ACCOUNT = envint("SIGN_IN_FAILURES_PER_ACCOUNT", 5)
SIGN_IN_FAILURES_PER_ADDRESS = envint("SIGN_IN_FAILURES_PER_ADDRESS", 30)
PASSWORD_RESETS_PER_ACCOUNT = envint("PASSWORD_RESETS_PER_ACCOUNT", 3)
PASSWORD_RESETS_PER_ADDRESS = envint("PASSWORD_RESETS_PER_ADDRESS", 10)
THROTTLE_WINDOW = envint("THROTTLE_WINDOW", 15 * 60)
THROTTLE_LOCKOUT = envint("THROTTLE_LOCKOUT", 15 * 60)
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates shown to people follow the locale (the `date` filter's DATE_FORMAT); kneeapp only
# changes the time of day to the 24-hour clock (kneeapp/formats/en/formats.py).
FORMAT_MODULE_PATH = ["kneeapp.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The knowledge base is a static file too (static/triage/knowledge/back_of_knee.<hash>.json),
# so that the checker's engine and the knowledge base it runs on are named, cached and
# replaced together (docs/triage.md, "Offline").
STATICFILES_DIRS = [BASE_DIR / "static", ("triage/knowledge", BASE_DIR / "triage" / "knowledge")]
# Production: hashed names from `collectstatic` (kneeapp/staticfiles.py); DEBUG: plain files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "kneeapp.staticfiles.HashedStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Email: console by default; EMAIL_URL (smtp://user:pass@host:587?tls=true) in production.
MAILERS = {"default": mailer_from_url(env("EMAIL_URL", "console:"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "kneeapp <reminders@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions and cookies: HttpOnly always; Secure and the __Host- prefix off plain HTTP.
# Sessions are rows tied to their user (kneeapp.sessions), so deleting an account ends them.
# kneeapp.middleware.SessionTimeoutMiddleware signs out after SESSION_IDLE_TIMEOUT seconds
# without a request and SESSION_COOKIE_AGE seconds after signing in, whatever happens.
SESSION_ENGINE = "kneeapp.sessions"  # cached, the database behind: see kneeapp/sessions.py
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 30 * 60)
# "Keep me signed in on this device" at sign-in: that session lasts SESSION_KEPT_AGE seconds
# with no idle timeout. Exporting the data asks for the password again once it was last typed
# more than PASSWORD_RECHECK_AFTER seconds ago (deleting the account and a new password ask
# for it every time).
SESSION_KEPT_AGE = envint("SESSION_KEPT_AGE", 60 * 60 * 24 * 90)
PASSWORD_RECHECK_AFTER = envint("PASSWORD_RECHECK_AFTER", 15 * 60)
# How long the audit trail of staff access keeps a row (kneeapp/audit.py): 6 years.
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 6 * 365)
# How long a physiotherapist's invitation link works (kneeapp/invitations.py).
INVITATION_DAYS = envint("INVITATION_DAYS", 14)
for _name in (
    "AUDIT_RETENTION_DAYS",
    "INVITATION_DAYS",
    "SESSION_COOKIE_AGE",
    "SESSION_IDLE_TIMEOUT",
    "SESSION_KEPT_AGE",
    "PASSWORD_RECHECK_AFTER",
    "SIGN_IN_FAILURES_PER_ACCOUNT",
    "SIGN_IN_FAILURES_PER_ADDRESS",
    "PASSWORD_RESETS_PER_ACCOUNT",
    "PASSWORD_RESETS_PER_ADDRESS",
    "THROTTLE_WINDOW",
    "THROTTLE_LOCKOUT",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be a positive whole number")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
if not DEBUG:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
# No inline script anywhere: every script is a file under /static/.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # ASCII JSON (\u escapes): an error that quotes a lone surrogate sent as "\ud800" can
    # still be written, where UTF-8 output would fail with a 500.
    "UNICODE_JSON": False,
    # Every client of the API sends JSON; a form-encoded body is refused with 415. The
    # parser bounds the body's size and depth (a deep one is a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": ["kneeapp.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "kneeapp.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kneeapp API",
    "DESCRIPTION": "Symptom checker, diary and stretch reminders for pain in the back of the knee.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI from our own static files: the CSP allows no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

REDIS_URL = env("REDIS_URL")
# The cache holds sessions (kneeapp/sessions.py): Redis when REDIS_URL is set, with timeouts
# short enough that a Redis away costs a request a quarter of a second once, not a hang;
# without it this process's memory (the embedded default serves from one process).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kneeapp",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }

# Celery: Redis in production; without REDIS_URL a filesystem broker under var/ that needs
# no server, so the embedded default runs a real worker and beat.
# (the filesystem transport ignores the host; naming one keeps kombu from warning "No
# hostname was supplied" at every connection)
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A message not acknowledged within the hour goes back to the queue: longer than any
    # send takes, short enough that a lost worker's reminder still goes out the same day.
    # Connect and socket timeouts: a publish to an unreachable Redis fails in seconds (and
    # is logged: the database is the record of what is due) instead of hanging.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": envint("BROKER_VISIBILITY_TIMEOUT", 60 * 60),
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
    if _restore := envint("BROKER_RESTORE_INTERVAL", 0):
        # How often a worker looks for messages past the visibility timeout (kombu's
        # default: about every 100 s).
        CELERY_BROKER_TRANSPORT_OPTIONS |= {
            "unacked_restore_interval": _restore,
            "unacked_restore_throttle": 1,
        }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a reminder (reminders.sending): a worker's claim on a delivery lasts this long
# (well over the transports' 10 s timeouts); a row still SENDING after it (the worker was
# killed) is claimed again. A queued row not handed to a worker for REQUEUE_AFTER seconds
# (the broker lost it or was down) is handed over again by the next dispatch pass.
# Transient failures are retried after RETRY_BACKOFF_MS milliseconds, doubling each time.
REMINDERS_SEND_LEASE = envint("REMINDERS_SEND_LEASE", 5 * 60)
REMINDERS_REQUEUE_AFTER = envint("REMINDERS_REQUEUE_AFTER", 5 * 60)
REMINDERS_RETRY_BACKOFF = float(envint("REMINDERS_RETRY_BACKOFF_MS", 30_000)) / 1000
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # only idempotent tasks opt in, task by task
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # A missed minute is caught up by the next run, so an old message is of no use.
    "dispatch-due-reminders": {
        "task": "reminders.tasks.dispatch_due_reminders",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Hourly, but each patient is considered in their own daytime: in effect daily for each.
    "check-doctor-alerts": {
        "task": "reminders.tasks.check_doctor_alerts",
        "schedule": 60.0 * 60,
    },
    # Hourly too: a patient idle for 2 days is nudged in their daytime (reminders/nudges.py).
    "send-nudges": {
        "task": "reminders.tasks.send_nudges",
        "schedule": 60.0 * 60,
    },
    # The audit trail of staff access keeps AUDIT_RETENTION_DAYS; older rows go once a day.
    "prune-staff-access": {
        "task": "kneeapp.tasks.prune_staff_access",
        "schedule": 60.0 * 60 * 24,
    },
    # Sessions end by themselves (idle or old); their rows are deleted once a day.
    "clear-expired-sessions": {
        "task": "kneeapp.tasks.clear_expired_sessions",
        "schedule": 60.0 * 60 * 24,
    },
}

# Web Push (VAPID). Without VAPID_PRIVATE_KEY a key pair is generated once into var/.
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY")
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY")
VAPID_SUBJECT = env("VAPID_SUBJECT", "mailto:reminders@localhost")
if bool(VAPID_PRIVATE_KEY) != bool(VAPID_PUBLIC_KEY):
    raise ImproperlyConfigured("VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY must be set together")
# Push endpoints on 127.0.0.1/localhost are refused unless DEBUG or this is on (tests use a
# loopback push service).
REMINDERS_ALLOW_LOOPBACK_PUSH = envbool("REMINDERS_ALLOW_LOOPBACK_PUSH", False)
if not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        f"VAPID_SUBJECT must start with mailto: or https://, not {VAPID_SUBJECT!r}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
