"""Market Link settings: everything comes from the environment (.env.example lists it all).

MARKET_ENV picks the defaults:
- development (default): SQLite and a filesystem Celery broker under MARKET_VAR_DIR; no server needed.
- test: what the pytest suite uses (PostgreSQL + Redis unless DATABASE_URL/REDIS_URL say otherwise).
- production: refuses to start without a real SECRET_KEY, DATABASE_URL and REDIS_URL.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    # Empty means unset: `cp .env.example .env` (docker compose) sets every listed variable, most to "".
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


MARKET_ENV = env("MARKET_ENV", "development")
if MARKET_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"MARKET_ENV must be development, test or production, not {MARKET_ENV!r}")
PRODUCTION = MARKET_ENV == "production"
TESTING = MARKET_ENV == "test"

VAR_DIR = Path(env("MARKET_VAR_DIR", str(BASE_DIR / "var")))

# --- secrets -------------------------------------------------------------------------------------
_DEV_SECRET_KEY = "dev-only-secret-key-never-used-in-production-0123456789abcdefghijklmnop"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("Production needs SECRET_KEY: at least 50 random characters (see .env.example).")

DEBUG = env_bool("DEBUG", MARKET_ENV == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs ALLOWED_HOSTS.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public base URL, used where a link leaves the site (QR codes, e-mails); unset, it follows `make run`'s PORT.
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")

# The load benchmarks (bench/) mount a bare /bench/ping view to compare against; never in production.
MARKET_BENCH = env_bool("MARKET_BENCH", False)
if PRODUCTION and MARKET_BENCH:
    raise ImproperlyConfigured("MARKET_BENCH is for benchmarks only and cannot be on in production.")

# --- applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "market.core",
    "market.organisations",
    "market.payments",
    "market.notifications",
    "market.integrations",
    "market.exports",
    "catalog",
    "orders",
    "linkage",
    "fairs",
    "frontend",
]

MIDDLEWARE = [
    "market.core.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "market.core.security.PermissionsPolicyMiddleware",
    "market.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files come precompressed) and above everything that writes the body.
    "market.core.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "market.organisations.middleware.LanguageMiddleware",
    "market.core.messages.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "market.organisations.middleware.ActorMiddleware",
    "frontend.errors.ApplicationErrorPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "market.urls"
WSGI_APPLICATION = "market.wsgi.application"
ASGI_APPLICATION = "market.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.shell",
                "market.core.security.csp_nonce_context",
            ],
        },
    },
]

# --- data ----------------------------------------------------------------------------------------
_default_database = f"sqlite:///{VAR_DIR / 'market.sqlite3'}"
if TESTING:
    _default_database = "postgres://postgres@127.0.0.1:5432/market"
DATABASE_URL = env("DATABASE_URL", "" if PRODUCTION else _default_database)
if not DATABASE_URL:
    raise ImproperlyConfigured("Production needs DATABASE_URL (postgres://user:password@host:5432/name).")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 600, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions let the web process and the worker share the file without
    # "database is locked" errors on the zero-setup default.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL, per connection: a statement running (or waiting) longer than this is cancelled — a table locked
# for minutes turns into quick 503s ("busy"), not a site that waits for everyone. 0 turns a limit off (a
# long migration: run `migrate` with DATABASE_STATEMENT_TIMEOUT_SECONDS=0).
DATABASE_STATEMENT_TIMEOUT_SECONDS = int(env("DATABASE_STATEMENT_TIMEOUT_SECONDS", "30"))
DATABASE_LOCK_TIMEOUT_SECONDS = int(env("DATABASE_LOCK_TIMEOUT_SECONDS", "10"))
# Behind PgBouncer in transaction mode (docker-compose.yml; docs/operations.md) each transaction may run on
# another server connection: no server-side cursors (they live across transactions), and no startup
# `options` (PgBouncer refuses the parameter) — the timeouts and jit=off are then the server's defaults,
# set on the postgres service. Persistent client connections to PgBouncer stay on (CONN_MAX_AGE).
DATABASE_POOLING = env("DATABASE_POOLING")
if DATABASE_POOLING not in {"", "transaction"}:
    raise ImproperlyConfigured(f"DATABASE_POOLING must be empty or 'transaction', not {DATABASE_POOLING!r}")
if DATABASE_POOLING == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: our statements are short, and compiling one whose estimate passes jit_above_cost took longer than
    # running it (the catalogue's facet counts at 100,000 products: 335 ms of JIT for 70 ms of work).
    # Server-side binding: psycopg sends the parameters apart from the statement, and prepares a statement once
    # the connection has run it `prepare_threshold` times — parsed and planned once per connection, not on every
    # request (checkout: 10.1 → 6.4 ms of PostgreSQL per round). Not behind PgBouncer in transaction mode
    # (above): the next transaction may land on a server connection that never saw the statement prepared.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        options=(
            f"-c jit=off -c statement_timeout={DATABASE_STATEMENT_TIMEOUT_SECONDS}s"
            f" -c lock_timeout={DATABASE_LOCK_TIMEOUT_SECONDS}s"
        ),
        server_side_binding=True,
        prepare_threshold=2,  # run twice on the connection already: prepared from its third run
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, with a health check that needs no round trip on a quiet connection
    # (market/core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "market.core.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a transaction waits for a row lock on the locking paths (market/core/locking.py) before it answers
# 503 "busy": a few seconds, never a hung worker.
LOCK_TIMEOUT_SECONDS = float(env("LOCK_TIMEOUT_SECONDS", "5"))
# Incremental sync (`updated_since`, docs/api-sync.md) hands out rows only up to this many seconds before the
# oldest open transaction (or now): more than the clock skew between the web hosts and the database.
SYNC_SAFETY_LAG_SECONDS = float(env("SYNC_SAFETY_LAG_SECONDS", "2"))

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0" if TESTING else "")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("Production needs REDIS_URL (redis://host:6379/0).")

if REDIS_URL:
    # market/core/cache.py: reuses one Redis client per cache, and fails open while Redis is down (rate limits
    # and cached reads pause, requests go on).
    CACHES = {
        "default": {
            "BACKEND": "market.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    # A file cache is shared by every process of the zero-setup default (web, worker, beat).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Loads the signed-in user of a page with what its shell shows, in one query; checks no password.
    "frontend.visitor.VisitorBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:dashboard"
LOGOUT_REDIRECT_URL = "frontend:home"
# Password reset links (e-mailed through the notifications outbox) work once, for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one e-mail from one address,
# logins are refused for AXES_COOLOFF_MINUTES, even with the right password.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And per address alone, whatever the e-mails (one address trying one password on many accounts): a higher
# limit, since a cooperative's office shares one address (market.organisations.authentication).
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "market.organisations.authentication.login_username"  # "Muahang@" is "muahang@"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "frontend.views.auth.lockout"
AXES_VERBOSE = False

# Django's database sessions, their row read by a statement compiled once per process.
SESSION_ENGINE = "market.core.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- security (production) -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy violations are reported to /csp-report/ (report-uri, sent at once by every browser)
# and, while this is on, through the Reporting API (report-to + Reporting-Endpoints). Chrome then uses only the
# Reporting API, which batches reports for up to a minute and posts them only from https (or localhost) pages.
CSP_REPORTING_API = env_bool("CSP_REPORTING_API", True)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- language, time, formats ---------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", "vi")
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Django's own vi locale lacks number grouping and dd/mm/yyyy input; ours completes it.
FORMAT_MODULE_PATH = ["market.formats"]
# Grouping is applied explicitly by the money/quantity filters, so ids in URLs never get separators.
USE_THOUSAND_SEPARATOR = False

# --- static and media ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Files only their owners and staff may read (certificate scans): outside MEDIA_ROOT, served by views
# that check permissions, never by a static route.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# S3-compatible object storage (MinIO, AWS S3, …) for uploaded files, shared by every machine: set S3_BUCKET
# (public: product photos) and S3_PRIVATE_BUCKET (signed URLs only), the endpoint and the keys. Unset, files
# stay in the local folders above. market/core/storage.py; docs/operations.md.
S3_BUCKET = env("S3_BUCKET")
S3_PRIVATE_BUCKET = env("S3_PRIVATE_BUCKET")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")
# The address browsers use, when it differs from the servers' (signed URLs are made for it).
S3_PUBLIC_ENDPOINT_URL = env("S3_PUBLIC_ENDPOINT_URL")
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY")
S3_REGION = env("S3_REGION", "us-east-1")
S3_SIGNED_URL_SECONDS = int(env("S3_SIGNED_URL_SECONDS", "300"))
if bool(S3_BUCKET) != bool(S3_PRIVATE_BUCKET):
    raise ImproperlyConfigured("Object storage needs both S3_BUCKET (public files) and S3_PRIVATE_BUCKET.")
if S3_BUCKET and S3_BUCKET == S3_PRIVATE_BUCKET:
    raise ImproperlyConfigured("S3_PRIVATE_BUCKET must differ from S3_BUCKET: the public one allows anonymous reads.")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "market.core.storage.PrivateMediaStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Export files (market.exports): private, downloaded through a view that checks who asks. Any Django
    # storage works here (object storage through django-storages, for instance).
    "exports": {"BACKEND": env("EXPORTS_STORAGE_BACKEND", "market.core.storage.PrivateMediaStorage")},
}
if S3_BUCKET:
    _s3 = {
        "endpoint_url": S3_ENDPOINT_URL or None,
        "public_endpoint_url": S3_PUBLIC_ENDPOINT_URL or None,
        "access_key": S3_ACCESS_KEY_ID or None,
        "secret_key": S3_SECRET_ACCESS_KEY or None,
        "region_name": S3_REGION,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "querystring_expire": S3_SIGNED_URL_SECONDS,
        "file_overwrite": False,
        "default_acl": None,
    }
    STORAGES["default"] = {
        "BACKEND": "market.core.object_storage.ObjectStorage",
        "OPTIONS": {**_s3, "bucket_name": S3_BUCKET, "querystring_auth": False},
    }
    STORAGES["private"] = {
        "BACKEND": "market.core.object_storage.ObjectStorage",
        "OPTIONS": {**_s3, "bucket_name": S3_PRIVATE_BUCKET, "querystring_auth": True},
    }
# Outside production WhiteNoise serves straight from the apps' static folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- e-mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Market Link <no-reply@marketlink.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- payments ------------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# Set to a localstripe address (http://127.0.0.1:8420) to run card payments without Stripe.
STRIPE_API_BASE = env("STRIPE_API_BASE")
# Pinned: the SDK sends it on every call; set the same version on the webhook endpoint in the dashboard.
STRIPE_API_VERSION = "2026-10-28.endive"
# A Stripe that does not answer holds a worker at most about timeout × (retries + 1): seconds, not the SDK's
# 80-second default. Retries are safe: every write carries a deterministic idempotency key.
STRIPE_TIMEOUT_SECONDS = float(env("STRIPE_TIMEOUT_SECONDS", "10"))
STRIPE_MAX_NETWORK_RETRIES = int(env("STRIPE_MAX_NETWORK_RETRIES", "1"))
# A card attempt whose answer was lost is failed (and a new one allowed) only when Stripe, asked this long after
# the attempt began, shows no charge for it: by then the SDK has given up and Stripe has finished the request.
# A refund whose answer was lost is sent again (under its key) only when Stripe, asked this long after, has none.
STRIPE_OUTCOME_SETTLE_SECONDS = float(
    env("STRIPE_OUTCOME_SETTLE_SECONDS", str(STRIPE_TIMEOUT_SECONDS * (STRIPE_MAX_NETWORK_RETRIES + 1) + 60))
)
# A pay page polling a card attempt whose answer was lost asks Stripe about it at most once this often, however many
# tabs and web processes poll it; the others read what the last one recorded.
STRIPE_CHECK_INTERVAL_SECONDS = float(env("STRIPE_CHECK_INTERVAL_SECONDS", "15"))
# A worker processing a provider event holds a claim on it; one held longer than this is taken to belong to a
# worker that died, and the relay hands the event to another. Longer than a live worker can take: the Stripe
# calls of one event (at most three: a charge, its intent, its refunds), each bounded by timeout × (retries + 1),
# and 30 s for the database. The task stops itself at the lease (soft time limit), so a live worker never keeps
# a claim past it.
WEBHOOK_CLAIM_LEASE_SECONDS = float(
    env("WEBHOOK_CLAIM_LEASE_SECONDS", str(3 * STRIPE_TIMEOUT_SECONDS * (STRIPE_MAX_NETWORK_RETRIES + 1) + 30))
)
# How often beat runs the relay that sends stored events again (not yet processed, failed, or claim expired): an
# event of a killed worker is taken again within the lease plus this.
WEBHOOK_RELAY_INTERVAL_SECONDS = float(env("WEBHOOK_RELAY_INTERVAL_SECONDS", "60"))
# Without a secret key (outside production) card payments run against localstripe, a local Stripe test
# server that `make run` starts on loopback (run_local); real test keys switch to Stripe. In production
# an empty key simply turns card payments off (buyers pay by bank transfer).
STRIPE_LOCAL = not STRIPE_SECRET_KEY and not PRODUCTION
if STRIPE_LOCAL:
    STRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105 (localstripe accepts any sk_ key)
    STRIPE_PUBLISHABLE_KEY = STRIPE_PUBLISHABLE_KEY or "pk_test_localstripe"
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_localstripe_dev_only"
    STRIPE_API_BASE = STRIPE_API_BASE or "http://127.0.0.1:8420"
# Bank notifications (Casso/SePay-shaped, relayed) are signed with this shared secret.
BANK_WEBHOOK_SECRET = env("BANK_WEBHOOK_SECRET", "" if PRODUCTION else "bank_whsec_dev_only")
# Reconciliation leaves payments younger than this alone (they are still moving).
PAYMENTS_RECONCILE_GRACE = timedelta(minutes=int(env("PAYMENTS_RECONCILE_GRACE_MINUTES", "10")))
# A transfer the bank notified must appear on an imported statement within this time.
PAYMENTS_STATEMENT_GRACE = timedelta(days=int(env("PAYMENTS_STATEMENT_GRACE_DAYS", "3")))
# PostgreSQL memory per join while reconciling (hash joins over millions of references stay in memory).
PAYMENTS_RECONCILE_WORK_MEM = env("PAYMENTS_RECONCILE_WORK_MEM", "64MB")
# The first sweep reads Stripe events this far back (Stripe keeps events for 30 days).
PAYMENTS_SWEEP_FIRST_LOOKBACK = timedelta(days=30)

# --- notifications -------------------------------------------------------------------------------
# The relay (beat + task) that delivers the outbox; see market/notifications/relay.py.
NOTIFICATIONS_RELAY_INTERVAL_SECONDS = float(env("NOTIFICATIONS_RELAY_INTERVAL_SECONDS", "5"))
NOTIFICATIONS_RELAY_TIME_BUDGET_SECONDS = float(env("NOTIFICATIONS_RELAY_TIME_BUDGET_SECONDS", "25"))
NOTIFICATIONS_BATCH_SIZE = int(env("NOTIFICATIONS_BATCH_SIZE", "50"))
NOTIFICATIONS_CLAIM_LEASE_SECONDS = float(env("NOTIFICATIONS_CLAIM_LEASE_SECONDS", "120"))
NOTIFICATIONS_MAX_ATTEMPTS = int(env("NOTIFICATIONS_MAX_ATTEMPTS", "10"))
NOTIFICATIONS_PHONE_MAX_ATTEMPTS = int(env("NOTIFICATIONS_PHONE_MAX_ATTEMPTS", "4"))
NOTIFICATIONS_RETRY_BASE_SECONDS = float(env("NOTIFICATIONS_RETRY_BASE_SECONDS", "30"))
NOTIFICATIONS_RETRY_MAX_SECONDS = float(env("NOTIFICATIONS_RETRY_MAX_SECONDS", str(6 * 3600)))
NOTIFICATIONS_DIGEST_HOUR = int(env("NOTIFICATIONS_DIGEST_HOUR", "17"))
NOTIFICATIONS_RETENTION_DAYS = int(env("NOTIFICATIONS_RETENTION_DAYS", "365"))
# A folder searched before the built-in notification templates (same paths), to edit them without code.
NOTIFICATIONS_TEMPLATES_DIR = env("NOTIFICATIONS_TEMPLATES_DIR")

# --- outgoing webhooks (docs/webhooks.md) --------------------------------------------------------
# Plain http:// and loopback addresses (127.0.0.1, localhost) for a receiver on this computer: development
# and tests only; production refuses them, like every private, link-local and reserved address.
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", not PRODUCTION)
if PRODUCTION and WEBHOOKS_ALLOW_LOOPBACK:
    raise ImproperlyConfigured("WEBHOOKS_ALLOW_LOOPBACK must be off in production (it would open SSRF).")
WEBHOOKS_RELAY_INTERVAL_SECONDS = float(env("WEBHOOKS_RELAY_INTERVAL_SECONDS", "5"))
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = float(env("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", "3"))
WEBHOOKS_READ_TIMEOUT_SECONDS = float(env("WEBHOOKS_READ_TIMEOUT_SECONDS", "10"))
# Retries with backoff and jitter for this long after the event; then the delivery fails, and an endpoint
# that accepted nothing during the whole window is switched off (its owners are told).
WEBHOOKS_RETRY_WINDOW_HOURS = float(env("WEBHOOKS_RETRY_WINDOW_HOURS", "72"))
WEBHOOKS_RETRY_BASE_SECONDS = float(env("WEBHOOKS_RETRY_BASE_SECONDS", "30"))
WEBHOOKS_RETRY_MAX_SECONDS = float(env("WEBHOOKS_RETRY_MAX_SECONDS", str(6 * 3600)))
# After a secret rotation the old secret keeps signing (a second v1=) this long unless the rotation says.
WEBHOOKS_SECRET_GRACE_HOURS = float(env("WEBHOOKS_SECRET_GRACE_HOURS", "24"))
# Fernet keys (comma-separated) that encrypt the endpoints' signing secrets in the database: the first seals,
# all open (rotation: put a new key first, run `manage.py webhook_secrets_reseal`, then drop the old one).
# Empty: a key derived from SECRET_KEY seals them (`manage.py check --deploy` warns about it in production).
WEBHOOK_SECRET_KEYS = env_list("WEBHOOK_SECRET_KEYS")
# The delivery log is kept this many days after a delivery settled: delivered ones (from their delivery), failed
# ones (from the end of their retry window) longer, for the partner's investigation. Deliveries still waiting
# or being sent are never removed; events go once no delivery of theirs is left. A nightly beat job prunes.
WEBHOOKS_KEEP_DELIVERED_DAYS = int(env("WEBHOOKS_KEEP_DELIVERED_DAYS", "30"))
WEBHOOKS_KEEP_FAILED_DAYS = int(env("WEBHOOKS_KEEP_FAILED_DAYS", "90"))
if NOTIFICATIONS_TEMPLATES_DIR:
    TEMPLATES[0]["DIRS"] = [NOTIFICATIONS_TEMPLATES_DIR, *TEMPLATES[0]["DIRS"]]
# Zalo Notification Service (ZNS); disabled unless the app id, secret and at least one template are set.
ZALO_APP_ID = env("ZALO_APP_ID")
ZALO_APP_SECRET = env("ZALO_APP_SECRET")
ZALO_REFRESH_TOKEN = env("ZALO_REFRESH_TOKEN")
ZALO_ZNS_TEMPLATES = env("ZALO_ZNS_TEMPLATES")
ZALO_ZNS_API_URL = env("ZALO_ZNS_API_URL", "https://business.openapi.zalo.me")
ZALO_OAUTH_URL = env("ZALO_OAUTH_URL", "https://oauth.zaloapp.com")
ZALO_ZNS_DEVELOPMENT_MODE = env_bool("ZALO_ZNS_DEVELOPMENT_MODE", False)
# SMS through eSMS.vn; disabled unless the key, secret and brandname are set.
ESMS_API_KEY = env("ESMS_API_KEY")
ESMS_SECRET_KEY = env("ESMS_SECRET_KEY")
ESMS_BRANDNAME = env("ESMS_BRANDNAME")
ESMS_API_URL = env("ESMS_API_URL", "https://rest.esms.vn")
ESMS_SANDBOX = env_bool("ESMS_SANDBOX", False)
ESMS_UNICODE = env_bool("ESMS_UNICODE", False)
ESMS_CALLBACK_URL = env("ESMS_CALLBACK_URL")

# --- celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport can hand a worker a half-written message; ours writes each one aside and
    # renames it into the queue (market/core/broker.py says why and how).
    CELERY_BROKER_TRANSPORT = "market.core.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "temp_folder": str(CELERY_BROKER_FOLDER / "tmp"),
        "store_processed": False,
    }
else:
    # Longer than the longest task's hard time limit, or Redis hands an unacknowledged task to a
    # second worker while the first is still running it. The socket timeouts bound every publish: a Redis that
    # is down, or frozen (accepts connections, never answers), costs a request at most about a second and a
    # half, never a hung web worker; what was to be sent waits in its outbox row for the relay.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 2 * 60 * 60,
        "socket_connect_timeout": 1.0,
        "socket_timeout": 1.5,
    }
# A publish that failed is not retried in the request: the outbox rows and periodic relays send it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# A Redis outage delays work but never stops a worker: it reconnects for as long as it takes.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 50 * 60
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Queues, each with its own workers (docker-compose.yml, `make run`), so that one kind of work never waits
# behind another: a stalled Stripe holds only the payments workers, a million-row reconciliation only the
# bulk ones, and notifications keep flowing. Tasks not listed go to "default". docs/operations.md.
# A worker started without --queues consumes all four (enough for a small site); docker-compose.yml and `make
# run` give each its own.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "payments", "notifications", "bulk")]
CELERY_TASK_ROUTES = {
    "market.payments.tasks.process_webhook_event": {"queue": "payments"},
    "market.payments.tasks.relay_webhook_events": {"queue": "payments"},
    "market.payments.tasks.resolve_card_attempt": {"queue": "payments"},
    "market.payments.tasks.resolve_refund": {"queue": "payments"},
    "market.payments.tasks.cancel_card_attempts_left": {"queue": "payments"},
    "market.payments.tasks.run_reconciliation": {"queue": "bulk"},
    # A job of up to a million rows, reading through a server-side cursor: the bulk workers connect straight to
    # PostgreSQL (docker-compose.yml), where the cursor keeps memory flat; behind PgBouncer it would not.
    "market.exports.tasks.run_export_job": {"queue": "bulk"},
    "market.notifications.tasks.relay": {"queue": "notifications"},
    "market.notifications.tasks.compose_digests": {"queue": "bulk"},
    "market.notifications.tasks.prune": {"queue": "bulk"},
    "market.integrations.tasks.prune_log": {"queue": "bulk"},
    "linkage.tasks.flag_deliveries": {"queue": "bulk"},
}
# Beat runs as one process; a second one (a scaled or restarted container) waits for the lock in Redis (or a
# lock file on the zero-setup default) instead of sending every periodic task twice (market/core/beat.py).
CELERY_BEAT_SCHEDULER = "market.core.beat:SingleBeatScheduler"
BEAT_LOCK_SECONDS = float(env("BEAT_LOCK_SECONDS", "30"))
# Periodic jobs. Each app adds its entries here, next to the task they call.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "market.core.tasks.worker_heartbeat", "schedule": 60.0},
    # Provider events stored but not processed (a lost task, Redis down) are sent again.
    "payments-relay-webhook-events": {
        "task": "market.payments.tasks.relay_webhook_events",
        "schedule": WEBHOOK_RELAY_INTERVAL_SECONDS,
    },
    # Sweep Stripe since the watermark and compare payments, provider records and statement lines.
    "payments-reconciliation": {"task": "market.payments.tasks.run_reconciliation", "schedule": 15 * 60.0},
    # Delivers the notification outbox. A relay not started within a few intervals is dropped: the next
    # one does the same work, so a backlog of relays never piles up behind a busy worker.
    "notifications-relay": {
        "task": "market.notifications.tasks.relay",
        "schedule": NOTIFICATIONS_RELAY_INTERVAL_SECONDS,
        "options": {"expires": max(10.0, 3 * NOTIFICATIONS_RELAY_INTERVAL_SECONDS)},
    },
    # Sends the outgoing webhooks' outbox (market/integrations/relay.py), dropped like the one above.
    "webhooks-relay": {
        "task": "market.integrations.tasks.relay_webhooks",
        "schedule": WEBHOOKS_RELAY_INTERVAL_SECONDS,
        "options": {"expires": max(10.0, 3 * WEBHOOKS_RELAY_INTERVAL_SECONDS)},
    },
    "notifications-daily-digest": {
        "task": "market.notifications.tasks.compose_digests",
        "schedule": crontab(hour=NOTIFICATIONS_DIGEST_HOUR, minute=0),
    },
    "notifications-prune": {"task": "market.notifications.tasks.prune", "schedule": crontab(hour=3, minute=30)},
    # The webhook delivery log past WEBHOOKS_KEEP_*_DAYS, in small batches.
    "webhooks-prune-log": {"task": "market.integrations.tasks.prune_log", "schedule": crontab(hour=3, minute=45)},
    # Cooperatives hear 30 days ahead that a certificate expires (badges stop by themselves on the day).
    "catalog-certificate-expiry-warnings": {
        "task": "catalog.tasks.warn_expiring_certificates",
        "schedule": crontab(hour=7, minute=0),
    },
    # Products whose certificates start or stop counting today move, for API clients that sync products.
    "catalog-certificates-by-date": {
        "task": "catalog.tasks.move_products_of_certificates_by_date",
        "schedule": crontab(hour=0, minute=5),
    },
    # The public list's card bodies missing or of another format (a deploy changed the card) are kept again.
    "catalog-keep-card-bodies": {
        "task": "catalog.tasks.keep_card_bodies",
        "schedule": 10 * 60.0,
        "options": {"expires": 9 * 60.0},
    },
    # Each cooperative's managers get the day's intakes from member households in one evening summary.
    "catalog-supply-intake-summaries": {
        "task": "catalog.supply.tasks.send_intake_summaries",
        "schedule": crontab(hour=19, minute=0),
    },
    # Overdue booth fees: a reminder, then (after the fair's grace days) the booth goes to the waitlist.
    "fairs-fee-deadlines": {"task": "fairs.tasks.fee_deadlines", "schedule": crontab(hour=7, minute=0)},
    "fairs-meeting-reminders": {"task": "fairs.tasks.meeting_reminders", "schedule": 15 * 60.0},
    # Unpaid orders past their payment window give their stock back.
    "orders-expire-unpaid": {"task": "orders.tasks.expire_unpaid_orders", "schedule": 5 * 60.0},
    # Linkage contracts: call-offs due soon are announced; late and short deliveries flagged.
    "linkage-call-off-due": {"task": "linkage.tasks.call_off_due_notices", "schedule": crontab(hour=6, minute=30)},
    "linkage-flag-deliveries": {"task": "linkage.tasks.flag_deliveries", "schedule": 60 * 60.0},
    # Contracts whose term has just ended move, with their planned call-offs, for API clients that sync them.
    "linkage-contracts-past-term": {
        "task": "linkage.tasks.move_contracts_past_their_term",
        "schedule": crontab(hour=0, minute=5),
    },
    # Export jobs no worker took (a lost message, Redis down) are sent again; files past their days removed.
    "exports-relay": {"task": "market.exports.tasks.relay", "schedule": 60.0, "options": {"expires": 180.0}},
    "exports-purge-expired": {"task": "market.exports.tasks.purge_expired", "schedule": crontab(minute=15)},
}

# --- exports (market.exports) ----------------------------------------------------------------------
# An export of at most this many rows is streamed in the answer; a larger one becomes a job for a worker.
EXPORTS_STREAM_MAX_ROWS = int(env("EXPORTS_STREAM_MAX_ROWS", "5000"))
# The longest date range one export may cover (days).
EXPORTS_MAX_RANGE_DAYS = int(env("EXPORTS_MAX_RANGE_DAYS", "1096"))
# Days a finished export's file is kept before the beat job removes it.
EXPORTS_KEEP_DAYS = int(env("EXPORTS_KEEP_DAYS", "7"))
# Where files are written before they are stored (None: the system's temporary folder).
EXPORTS_TEMP_DIR = env("EXPORTS_TEMP_DIR", "") or None

# Seconds a rendered public catalogue page may be served from the cache. Entries are also dropped at once
# by any catalogue change (a version number in the key) and at midnight (certificates expire by date).
CATALOG_LIST_CACHE_SECONDS = int(env("CATALOG_LIST_CACHE_SECONDS", "60"))
# How many anonymous API answers of a product or a lot each web process remembers by their ETag, so that one asked
# again is answered without reading it (market.core.remembered; 0 = none).
API_REMEMBERED_BODIES = int(env("API_REMEMBERED_BODIES", "256"))
# Linkage contracts: both parties hear of a call-off this many days before it is due; one still not
# received this many days after its date is flagged late.
LINKAGE_CALL_OFF_NOTICE_DAYS = int(env("LINKAGE_CALL_OFF_NOTICE_DAYS", "3"))
LINKAGE_LATE_AFTER_DAYS = int(env("LINKAGE_LATE_AFTER_DAYS", "1"))
# Pages that work offline (check-in, intake) send what they queued, and the check-in its heartbeat, every this
# many seconds while online, besides when the network comes back and on "Gửi ngay" (send now).
OFFLINE_SEND_EVERY_SECONDS = int(env("OFFLINE_SEND_EVERY_SECONDS", "10"))

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "market.organisations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["market.core.json_output.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "market.core.json_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "market.core.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "market.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "market.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "600/minute"},
    "DEFAULT_THROTTLE_CLASSES": [
        "market.core.throttling.AnonWindowThrottle",
        "market.core.throttling.UserWindowThrottle",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Market Link API",
    "DESCRIPTION": "Marketplace and trade fairs of a cooperative alliance. Amounts in VND are whole đồng.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "PaymentStateEnum": "market.payments.models.PaymentState",
        "ExportFileFormatEnum": "market.exports.models.FileFormat",
        "ExportJobStatusEnum": "market.exports.models.JobStatus",
        "PayableStatusEnum": "market.payments.models.PayableStatus",
        "RefundStateEnum": "market.payments.models.RefundState",
        "SettlementStateEnum": "market.payments.models.SettlementState",
        "BankTransactionStatusEnum": "market.payments.models.TransactionStatus",
        "StatementStatusEnum": "market.payments.models.StatementImport.Status",
        "ReconciliationRunStatusEnum": "market.payments.models.RunStatus",
        "DiscrepancyStatusEnum": "market.payments.models.DiscrepancyStatus",
        # The foundation's name for organisation verification, kept stable now that other "status" enums exist.
        "StatusEnum": "market.organisations.models.VerificationStatus",
        "OrganisationKindEnum": "market.organisations.models.OrganisationKind",
        "DiscrepancyKindEnum": "market.payments.models.DiscrepancyKind",
        "DeliveryStatusEnum": "market.notifications.models.Status",
        "NotificationChannelEnum": "market.notifications.models.Channel",
        "MemberKindEnum": "catalog.supply.models.MemberKind",
        "NotificationGroupEnum": "market.notifications.models.Group",
        "DeliveryAttemptOutcomeEnum": "market.notifications.models.AttemptOutcome",
        "CertificateKindEnum": "catalog.models.CertificateKind",
        "TraceEventKindEnum": "catalog.models.TraceEventKind",
        "FairStatusEnum": "fairs.models.FairStatus",
        "FairApplicationStatusEnum": "fairs.models.ApplicationStatus",
        "BoothFeeStatusEnum": "fairs.models.FeeStatus",
        "BoothPlanStatusEnum": "fairs.models.PlanStatus",
        "MeetingStatusEnum": "fairs.models.MeetingStatus",
        "MeetingOutcomeKindEnum": "fairs.models.OutcomeKind",
    },
}

# --- logging: one JSON line per event, with the request id, never a secret ---------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "market.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "market.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Replaces Django's default "django" handlers, which would print every line a second time.
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # WeasyPrint (fair report PDFs) logs every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
