"""The one settings module, configured by environment variables (see docs/configuration.md)."""

import os
import secrets
import tempfile
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HEADSTRT_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_bool("HEADSTRT_PRODUCTION")
DEBUG = env_bool("HEADSTRT_DEBUG", default=not PRODUCTION)


def _secret_key() -> str:
    key = os.environ.get("HEADSTRT_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("Set HEADSTRT_SECRET_KEY in production (at least 50 random characters).")
    # Development: a key generated once and kept beside the data, so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "HEADSTRT_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]"
)
CSRF_TRUSTED_ORIGINS = env_list("HEADSTRT_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("HEADSTRT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "django_htmx",
    "template_partials",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Installed whatever the task queue: its tables then exist in every database, so a
    # release migrated without Redis matches one served with it.
    "django_rq",
    "headstrt.core",
    "headstrt.accounts",
    "headstrt.matching",
    "headstrt.scheduling",
    "headstrt.messaging",
    "headstrt.payments",
    "headstrt.reviews",
    "headstrt.disputes",
    "headstrt.perspectives",
    "headstrt.web",
    "headstrt.api",
    "headstrt.demo",
    "headstrt.operations",
]

MIDDLEWARE = [
    # First: request id, access line and metrics for every request; answers the probes.
    "headstrt.operations.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "headstrt.urls"
WSGI_APPLICATION = "headstrt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The web app's templates come first so they can restyle third-party pages (allauth).
        "DIRS": [BASE_DIR / "headstrt" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "headstrt.messaging.context_processors.notifications",
            ],
        },
    },
]

# SQLite by default (WAL mode, under DATA_DIR); PostgreSQL when DATABASE_URL is set.
DATABASES = {
    # An empty DATABASE_URL means the default, as an unset one does.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'headstrt.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The test database is a file of this process's own, as the live database is: an
    # in-memory one shared between the live server's threads locks whole tables, so a
    # write beside a live stream's reads fails at once instead of waiting its turn.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"headstrt-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer fails a request (or /readyz) within seconds
    # instead of holding a worker thread for the kernel's minutes-long TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # A kept connection that died (a database restart, a failover) is replaced before use
    # rather than failing the request that finds it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters are bound by the server, so a statement a kept connection runs again and
    # again (the same SQL, other values) is prepared once: the database then skips parsing
    # and planning it, which is most of its work for the platform's small reads.
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
    # PgBouncer in transaction pooling mode cannot keep server-side cursors or prepared
    # statements across transactions.
    if env_bool("HEADSTRT_DB_TRANSACTION_POOLING"):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL")
# The task queue's Redis database, by default the cache's. A separate one (another database
# number, e.g. redis://127.0.0.1:6379/1) keeps queued tasks safe from a flush of the cache.
HEADSTRT_TASK_REDIS_URL = os.environ.get("HEADSTRT_TASK_REDIS_URL") or REDIS_URL

# Background tasks (reminders, request deadlines, refunds), run by `headstrt worker` beside
# the web servers: queued in Redis (RQ) when REDIS_URL is set, else stored in the database.
HEADSTRT_TASK_QUEUE = (
    os.environ.get("HEADSTRT_TASK_QUEUE", "redis" if HEADSTRT_TASK_REDIS_URL else "database")
    .strip()
    .lower()
)
if HEADSTRT_TASK_QUEUE not in {"redis", "database"}:
    raise RuntimeError('HEADSTRT_TASK_QUEUE must be "redis" or "database".')
if HEADSTRT_TASK_QUEUE == "redis" and not HEADSTRT_TASK_REDIS_URL:
    raise RuntimeError("HEADSTRT_TASK_QUEUE=redis needs REDIS_URL.")
if HEADSTRT_TASK_QUEUE == "redis":
    TASKS = {"default": {"BACKEND": "headstrt.operations.task_queue.RedisTaskBackend"}}
    # A job may run for 5 minutes (a payout run against a slow provider) before it is killed.
    RQ_QUEUES = {"default": {"URL": HEADSTRT_TASK_REDIS_URL, "DEFAULT_TIMEOUT": 300}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    RQ_QUEUES = {}  # django_rq is installed (see INSTALLED_APPS) but has no queue to watch

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        # Room for every mentor's kept standing (one entry each; Django's default is 300, less
        # than two rankings' candidates).
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"

# Accounts (django-allauth): email only, verified by email, rate limited.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# A taken email gets a clear message on the form; rate limits keep probing for addresses slow.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "headstrt.web.forms.SignupDetailsForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Headstrt] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Rate limits count clients by address. Behind a load balancer or reverse proxy the
# connection's address is the proxy's: say how many proxies stand in front (each appends to
# X-Forwarded-For) so the limits count real clients. 0 means clients connect directly.
HEADSTRT_TRUSTED_PROXY_COUNT = int(os.environ.get("HEADSTRT_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = HEADSTRT_TRUSTED_PROXY_COUNT
RATELIMIT_IP_META_KEY = "headstrt.operations.client_address.client_address"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/5m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# Matching: the embedding model ("static:<dir>" or "sentence-transformers:<path or name>");
# empty means the small static model that ships with Headstrt (see docs/matching.md).
HEADSTRT_EMBEDDING_MODEL = os.environ.get("HEADSTRT_EMBEDDING_MODEL", "")

# The video room of a session: a URL template where {room} is the booking's unguessable room.
HEADSTRT_VIDEO_ROOM_URL = os.environ.get("HEADSTRT_VIDEO_ROOM_URL", "https://meet.jit.si/{room}")

# Payment provider: "test" (built in, fake cards; development and demos) or "stripe".
HEADSTRT_PAYMENT_PROVIDER = os.environ.get("HEADSTRT_PAYMENT_PROVIDER", "test").strip().lower()
# The test provider takes no real money, so production refuses it unless this says otherwise
# (a public demo).
HEADSTRT_ALLOW_TEST_PROVIDER = env_bool("HEADSTRT_ALLOW_TEST_PROVIDER")
_TEST_PROVIDER_DEVELOPMENT_SECRET = "whsec_headstrt_test_provider_development"
HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET = os.environ.get(
    "HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET", _TEST_PROVIDER_DEVELOPMENT_SECRET
)
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # empty: Stripe's own address
# The platform's fee, a percentage of each session's price (shown before paying; no fee on
# tips), and how long after a session its money waits in escrow for a dispute.
_fee_percent = os.environ.get("HEADSTRT_PLATFORM_FEE_PERCENT", "10").strip()
if not _fee_percent.replace(".", "", 1).isdigit() or Decimal(_fee_percent) > 100:
    raise RuntimeError("HEADSTRT_PLATFORM_FEE_PERCENT must be a number from 0 to 100, e.g. 12.5.")
HEADSTRT_PLATFORM_FEE_PERCENT = Decimal(_fee_percent)
HEADSTRT_DISPUTE_WINDOW_HOURS = int(os.environ.get("HEADSTRT_DISPUTE_WINDOW_HOURS", "72"))
# Deadlines of a dispute: the other side's response, a mediator's proposal or decision, and
# the parties' answer to a proposal. Each state's default applies when its deadline passes.
HEADSTRT_DISPUTE_RESPONSE_HOURS = int(os.environ.get("HEADSTRT_DISPUTE_RESPONSE_HOURS", "48"))
HEADSTRT_MEDIATION_HOURS = int(os.environ.get("HEADSTRT_MEDIATION_HOURS", "72"))
HEADSTRT_PROPOSAL_HOURS = int(os.environ.get("HEADSTRT_PROPOSAL_HOURS", "48"))
# Mentors are paid out once a day, when their earnings reach this many minor units.
HEADSTRT_PAYOUT_MINIMUM_MINOR = int(os.environ.get("HEADSTRT_PAYOUT_MINIMUM_MINOR", "2000"))
# Conversations: the largest file a message may carry, and how many messages a person may
# send per minute across all their conversations.
HEADSTRT_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("HEADSTRT_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))
)
HEADSTRT_MESSAGES_PER_MINUTE = int(os.environ.get("HEADSTRT_MESSAGES_PER_MINUTE", "30"))
# Live updates of a conversation page (server-sent events): how often the stream looks for new
# messages, and how long one stream lasts before the browser reconnects, so a worker is
# never held for ever.
HEADSTRT_STREAM_POLL_SECONDS = float(os.environ.get("HEADSTRT_STREAM_POLL_SECONDS", "1"))
HEADSTRT_STREAM_SECONDS = float(os.environ.get("HEADSTRT_STREAM_SECONDS", "25"))
# Each open stream holds one of a server process's threads: at most half of them may, so the
# others still answer (health checks too); a page refused a stream polls instead.
# `headstrt serve` sets HEADSTRT_SERVER_THREADS to its --threads.
HEADSTRT_STREAMS_PER_PROCESS = max(1, int(os.environ.get("HEADSTRT_SERVER_THREADS", "8")) // 2)
if HEADSTRT_PAYMENT_PROVIDER not in {"test", "stripe"}:
    raise RuntimeError('HEADSTRT_PAYMENT_PROVIDER must be "test" or "stripe".')
if PRODUCTION and HEADSTRT_PAYMENT_PROVIDER == "test" and not HEADSTRT_ALLOW_TEST_PROVIDER:
    raise RuntimeError(
        "The test payment provider takes no real money: set HEADSTRT_PAYMENT_PROVIDER=stripe "
        "in production, or HEADSTRT_ALLOW_TEST_PROVIDER=1 for a public demo."
    )
if (
    PRODUCTION
    and HEADSTRT_ALLOW_TEST_PROVIDER
    and HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET == _TEST_PROVIDER_DEVELOPMENT_SECRET
):
    # The default is public: anyone could sign webhooks that mark test payments as paid.
    raise RuntimeError(
        "Set HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET to a random value of your own when "
        "HEADSTRT_ALLOW_TEST_PROVIDER=1 in production."
    )
if (
    PRODUCTION
    and HEADSTRT_PAYMENT_PROVIDER == "stripe"
    and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)
):
    raise RuntimeError("Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to use Stripe.")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it, even before collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads above this are refused before they reach a form (photos are checked again, tighter).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Email: console in development; SMTP in production and whenever EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Headstrt <no-reply@headstrt.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production turns on HTTPS-only cookies, HSTS and the SSL redirect.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HEADSTRT_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("HEADSTRT_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Logs go to standard error: one JSON object per line in production, readable text in
# development (HEADSTRT_LOG_FORMAT overrides either). See docs/deploy.md, "Observability".
HEADSTRT_LOG_FORMAT = (
    os.environ.get("HEADSTRT_LOG_FORMAT", "json" if PRODUCTION else "text").strip().lower()
)
if HEADSTRT_LOG_FORMAT not in {"json", "text"}:
    raise RuntimeError('HEADSTRT_LOG_FORMAT must be "json" or "text".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "headstrt.operations.logs.JsonFormatter"},
        "text": {"()": "headstrt.operations.logs.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": HEADSTRT_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("HEADSTRT_LOG_LEVEL", "INFO")},
    "loggers": {
        "faiss.loader": {"level": "WARNING"},  # it reports which CPU build it loaded
        # Django's own handlers would print its lines a second time, unformatted.
        "django": {"level": "INFO"},
        # Each request has its access line (headstrt.access); Django's lines for 4xx answers
        # and the development server's for every request would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING", "propagate": True},
    },
}
# Prometheus metrics at /metrics: only for requests bearing this token when it is set;
# when it is not, only for clients on this machine.
HEADSTRT_METRICS_TOKEN = os.environ.get("HEADSTRT_METRICS_TOKEN", "").strip()
