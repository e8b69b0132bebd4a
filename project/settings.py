"""Django settings for Nexora API.

Every deployment knob is read from the environment here and nowhere else; the table in
docs/api.md ("Configuration") lists them. With nothing set, the project runs on an SQLite file.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A development checkout has a git-ignored `.env` that `make` writes once, holding only a
# random DJANGO_SECRET_KEY, so `manage.py` and `pytest` run as the README writes them. Read
# before any setting; the real environment wins. Production has no `.env` (and `make serve`
# sets PYTHON_DOTENV_DISABLED=1), so a missing key still stops start-up there.
load_dotenv(BASE_DIR / ".env", override=False)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the server refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random string."
        )
    SECRET_KEY = "django-insecure-throwaway-key-for-local-debug-only-never-deploy-this"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    # django.contrib.admin, with a site whose permissions are the roles' policies.
    "project.apps.PolicyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    # "ninja" in INSTALLED_APPS makes /api/docs use the bundled Swagger UI, not a CDN.
    "ninja",
    "ninja_jwt",
    "permissions",
    "accounts",
    "authn",
    "tasks",
    "api",
    "webclient",
]

MIDDLEWARE = [
    # Outermost: a request id for every request, and one log line with the status actually sent.
    "api.request_log.RequestLogMiddleware",
    # Outside JsonApiErrorsMiddleware, so the JSON errors it makes carry the security headers too.
    "api.headers.ApiSecurityHeadersMiddleware",
    # Outside WhiteNoise too: the web client's CSP on its page and on its assets.
    "webclient.middleware.WebClientHeadersMiddleware",
    "api.middleware.JsonApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # What only the admin needs, in Django's own order: api.outside_api runs each of them for
    # every path outside /api/ (hooks included: CSRF still guards the admin's forms) and
    # skips it under /api/, where bearer tokens make sessions, cookies, CSRF and messages
    # moot (docs/performance.md, "The middleware"). Its CommonMiddleware keeps only the
    # Content-Length for /api/ (no slash redirects there).
    "api.outside_api.SessionMiddleware",
    "api.outside_api.CommonMiddleware",
    "api.outside_api.CsrfViewMiddleware",
    "api.outside_api.AuthenticationMiddleware",
    "api.outside_api.MessageMiddleware",
    "api.outside_api.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database ---------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
#: Seconds; the worst case for a request that meets a hung database is connect + 2 x read.
DATABASE_CONNECT_TIMEOUT = 5
DATABASE_READ_TIMEOUT = 8
_database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
if _database["ENGINE"] == "django.db.backends.mysql":
    import pymysql

    pymysql.install_as_MySQLdb()
    _database["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES', NAMES utf8mb4",
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        # A server that accepted the connection but stopped answering: a request may wait for
        # it twice (the health check of the persistent connection, then the new connection's
        # handshake), and must still get its JSON 503 well before gunicorn's 30 s worker
        # timeout: 2 x 8 s. No query of this API comes near 8 s.
        "read_timeout": DATABASE_READ_TIMEOUT,
        "write_timeout": DATABASE_READ_TIMEOUT,
        **_database.get("OPTIONS", {}),
    }
    _database["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif _database["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads or gunicorn workers write at once: take the write lock when a
    # transaction starts and wait for it, instead of failing with "database is locked".
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory, so tests over real HTTP see the same locking as production.
    _database["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and passwords -----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

# Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1), chosen on purpose: Django's default
# (m=100 MiB, p=8) costs several times more per login for no gain on a 2-core machine.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Tokens ---------------------------------------------------------------------------

JWT_ACCESS_MINUTES = env_int("JWT_ACCESS_MINUTES", 60)
JWT_REFRESH_DAYS = env_int("JWT_REFRESH_DAYS", 7)
# For this long after a rotation the refresh token just rotated is still answered (two tabs
# refreshing at once); presented later, it ends its whole session (authn/tokens.py).
JWT_REFRESH_REUSE_SECONDS = env_int("JWT_REFRESH_REUSE_SECONDS", 10)

# ninja-jwt reads only one of SIMPLE_JWT / NINJA_JWT and ignores unknown keys silently:
# keep this the only one, with only what its token classes read (rotation, revocation and
# the user claim are ours: authn/tokens.py). Its token_blacklist app is not installed:
# the session row is the token state.
NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_DAYS),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
}

# --- Login throttling -----------------------------------------------------------------

LOGIN_RATE = os.environ.get("LOGIN_RATE", "10/m")
# With REDIS_URL set (redis://host:6379/0), the login throttle counts live in Redis: one
# round trip, no rows to write or flush. Unset: in the database, shared all the same.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Put before every key this project writes in Redis, for a server shared with other apps.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "nexora:")
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 means the
# header is ignored and the socket address is the client (it cannot be spoofed).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- Account lifecycle: mail, links, sign-up and reset throttles --------------------------

# SMTP when EMAIL_HOST is set; otherwise every mail is written to the console (stdout), so
# `make run` shows the links a developer needs to click. With debug off and no EMAIL_HOST,
# `manage.py check --deploy` warns (accounts.W001): the links would end up in the logs.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Seconds: a mail server that accepts and never answers holds the sender thread, not a request.
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nexora <no-reply@localhost>")
# The web client the links in mails point at (/reset-password, /verify-email, /confirm-email).
FRONTEND_URL = os.environ.get("FRONTEND_URL", "http://127.0.0.1:8000").rstrip("/")
# Refuse log-in (403 email_not_verified, after the password was checked) until the address is verified.
REQUIRE_VERIFIED_EMAIL = env_bool("REQUIRE_VERIFIED_EMAIL", default=False)
PASSWORD_RESET_MINUTES = env_int("PASSWORD_RESET_MINUTES", 60)
# Django's PasswordResetTokenGenerator reads its lifetime from here (seconds).
PASSWORD_RESET_TIMEOUT = PASSWORD_RESET_MINUTES * 60
# Reset requests per address and per client; also verification resends and email-change
# requests per account: every request that makes the API send a mail is counted.
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "5/h")
# Sign-up attempts per client address: bounds how fast anyone can test addresses (409).
REGISTER_RATE = os.environ.get("REGISTER_RATE", "30/h")
# Security events older than this are deleted by `manage.py flush_expired`: long enough to
# look back on a half-year of an account's log-ins, short enough not to keep every address a
# user ever came from.
SECURITY_EVENTS_RETENTION_DAYS = env_int("SECURITY_EVENTS_RETENTION_DAYS", 180)
if SECURITY_EVENTS_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("SECURITY_EVENTS_RETENTION_DAYS must be at least 1.")

# --- Permissions ------------------------------------------------------------------------

# What the permission layer needs from this project (permissions/conf.py): the roles enum
# and the user attribute holding a user's role; both checked at start-up.
PERMISSIONS_ROLES = "accounts.roles.Role"
PERMISSIONS_ROLE_ATTRIBUTE = "role"
# Per-deployment changes to the policy matrix: {"tasks.assign": ["ADMIN", "SELLER",
# "CUSTOMER"]}. An unknown policy or role stops start-up (UnknownPolicy / UnknownRole).
try:
    PERMISSIONS_POLICY_ROLES: dict[str, list[str]] = json.loads(os.environ.get("PERMISSIONS_POLICY_ROLES", "") or "{}")
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"PERMISSIONS_POLICY_ROLES is not valid JSON: {exc}") from exc
# The NinjaAPI objects whose every operation must declare a policy (permissions.E001).
PERMISSIONS_APIS = ["project.api.api"]
# Who changes grants at run time by default (permissions.manage), and what no change may take
# away: an admin must always be able to change grants back and to promote someone.
PERMISSIONS_MANAGE_ROLES = ["ADMIN"]
PERMISSIONS_LOCKED_GRANTS = {"ADMIN": ["permissions.manage", "permissions.view", "users.change_role"]}

# --- HTTP ---------------------------------------------------------------------------------

#: The Vite dev server of web/ (`npm run dev`), allowed in debug so it can call `make run`'s API.
VITE_DEV_ORIGINS = ["http://127.0.0.1:5173", "http://localhost:5173"]
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS") + (VITE_DEV_ORIGINS if DEBUG else [])
CORS_URLS_REGEX = r"^/api/.*$"
# The API authenticates with bearer tokens only, so browsers never need to send cookies.
CORS_ALLOW_CREDENTIALS = False
# Response headers a frontend on another origin may read beyond the safelisted few: the
# request id to quote in a bug report, and how long to wait after a 429 or 503.
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MiB: far above any valid body.

# Page sizes live in api/pagination.py (Page), the one place that bounds them.

# Served over HTTPS (directly or behind a TLS-terminating proxy): secure cookies, HSTS,
# redirect plain HTTP. Off by default so the local run command works over plain HTTP.
HTTPS = env_bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
if HTTPS and TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Decided: no HSTS preload by default. Joining browsers' preload list cannot be undone
# quickly; a deployment that wants it sets SECURE_HSTS_PRELOAD itself.
#
# security.W002/W003/W016/W019 look for Django's CSRF and clickjacking middleware by their
# exact names; MIDDLEWARE holds their api.outside_api wrappers, which api.checks checks instead.
SILENCED_SYSTEM_CHECKS = ["security.W021", "security.W002", "security.W003", "security.W016", "security.W019"]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves static files straight from the apps (no collectstatic step); set
# DJANGO_STATIC_ROOT only to collect them somewhere for another server.
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Web client ---------------------------------------------------------------------------

#: Where `make web` builds the web client (web/, React + Vite): index.html and assets/.
#: index.html is served at / and the client routes (webclient/); the assets, built for
#: /static/web/assets/, by WhiteNoise. Only a built client is listed, so a checkout without
#: Node.js starts without a warning (build before starting the server: `make run` does).
WEB_CLIENT_DIR = BASE_DIR / "web" / "dist"
STATICFILES_DIRS = [("web/assets", WEB_CLIENT_DIR / "assets")] if (WEB_CLIENT_DIR / "assets").is_dir() else []
#: Vite names each asset after its content (`index-B4x2kP9a.js`): cached for a year.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/web/assets/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$"

# One JSON object per line on stdout (api/logging.py), each with the request's id;
# LOG_FORMAT=plain gives one readable line per record instead, for a terminal.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'plain', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "api.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "api.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # With DEBUG on, this logs every SQL statement with its parameters: password hashes
        # and refresh tokens. Never at DEBUG, whatever LOG_LEVEL says.
        "django.db.backends": {"level": "INFO"},
    },
}
