"""Django settings for Salur.

Everything that differs between a laptop and production comes from the environment:
DATABASE_URL (default: the embedded SQLite file under var/), SALUR_SECRET_KEY, SALUR_DEBUG,
SALUR_ALLOWED_HOSTS, SALUR_VAR_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SALUR_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("SALUR_DEBUG", "1") == "1"
# A development key is only acceptable with DEBUG on; production must set SALUR_SECRET_KEY.
SECRET_KEY = os.environ.get("SALUR_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SALUR_SECRET_KEY must be set when SALUR_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

# Budget check on approval: where a program has an allocation (DIPA) for the year, a cycle above what remains is
# refused. With SALUR_REQUIRE_BUDGET=1 (recommended in production) a program without an allocation cannot be
# approved at all.
SALUR_REQUIRE_BUDGET = os.environ.get("SALUR_REQUIRE_BUDGET", "0") == "1"

# Key of the payment rows' HMAC signatures (salur/payments/signing.py). Production must set it (and keep it as
# long as payments may be verified); a development setup (SALUR_DEBUG=1) falls back to a fixed development key.
SALUR_PAYMENT_KEY = os.environ.get("SALUR_PAYMENT_KEY", "")
if not SALUR_PAYMENT_KEY and DEBUG:
    SALUR_PAYMENT_KEY = "salur-dev-only-payment-key"
ALLOWED_HOSTS = [h for h in os.environ.get("SALUR_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "salur.core",
    "salur.accounts",
    "salur.regions",
    "salur.registry",
    "salur.dataquality",
    "salur.programs",
    "salur.cycles",
    "salur.targeting",
    "salur.enrolment",
    "salur.payments",
    "salur.budget",
    "salur.distribution",
    "salur.atensi",
    "salur.santunan",
    "salur.grievances",
    "salur.portal",
    "salur.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "salur.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after repeated failed logins (per user name, whatever the address), for half an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("SALUR_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "auth/lockout.html"
AXES_VERBOSE = False

ROOT_URLCONF = "salur.urls"
WSGI_APPLICATION = "salur.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:household_list"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "salur" / "templates"],
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

DEFAULT_SQLITE_PATH = VAR_DIR / "salur.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"),
        # Persistent connections for a production server (e.g. 60): SALUR_DB_CONN_MAX_AGE seconds; 0 = per request.
        conn_max_age=int(os.environ.get("SALUR_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while an import writes; IMMEDIATE avoids lock upgrades that deadlock.
    DATABASES["default"]["OPTIONS"] = {
        # cache_size: 256 MB of page cache (KiB when negative) keeps index inserts of bulk imports in memory;
        # temp_store: the staging tables of batch jobs live in memory.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
        " PRAGMA foreign_keys=ON; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SALUR_TEST_SQLITE") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Django's default local-memory cache (one per process), unless SALUR_REDIS_URL names a Redis server
# (e.g. redis://127.0.0.1:6379/1): then the public portal's rate-limit counters are shared by every server process
# (docs/portal.md). Tests and the demo need no Redis.
if os.environ.get("SALUR_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["SALUR_REDIS_URL"],
            "KEY_PREFIX": os.environ.get("SALUR_CACHE_PREFIX", "salur"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "salur.accounts.passwords.CharacterClassValidator"},
]

# --- sessions, cookies, headers ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # Production sits behind HTTPS (docs/operations.md); `salur check --deploy` is clean with these.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SALUR_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SALUR_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Content security policy: only our own scripts, styles and images; no inline script, no CDN.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia")]  # no English catalogue yet: one language, no mixed pages
LOCALE_PATHS = [BASE_DIR / "salur" / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "salur" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Where import jobs keep their uploaded files and rejects files.
SALUR_JOBS_DIR = VAR_DIR / "jobs"

# Structured logs: one JSON object per line on stderr. Personal data never reaches a log: a filter removes
# 16-digit numbers (NIK, no_kk) and query strings (where names are searched) from every record.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "salur.core.logging.PersonalDataFilter"}},
    "formatters": {"json": {"()": "salur.core.logging.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("SALUR_LOG_LEVEL", "WARNING")},
    "loggers": {
        # Replaces Django's default console handlers, which would print unfiltered records when DEBUG is on.
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # SQL with its parameters (names, NIK) is never logged, whatever SALUR_LOG_LEVEL says.
        "django.db.backends": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "salur": {
            "handlers": ["stderr"],
            "level": os.environ.get("SALUR_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
