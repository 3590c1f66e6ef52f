"""One settings module, driven by the environment.

With nothing set this is the embedded default: a SQLite file, the in-memory channel layer and Celery tasks run
inline, so the product can be tried with one command. With DATABASE_URL and REDIS_URL set it is the real stack.
With SECRET_KEY set and DEBUG off it refuses insecure settings (`manage.py check --deploy` is clean).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from collab.client_address import parse_trusted_proxies
from config.env import env, env_bool, env_int, env_list, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

_secret_key = env("SECRET_KEY")
EMBEDDED = _secret_key is None
# The embedded default signs sessions, guest cookies and invitation links with a random key of its own, made on first
# run and kept beside manage.py (ignored by git and docker); never with a key written here.
SECRET_KEY = _secret_key or local_secret_key(BASE_DIR / ".secret-key")
DEBUG = env_bool("DEBUG", default=EMBEDDED)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS hardening is on whenever the app runs as production (a real secret key and DEBUG off). A deployment that
# terminates TLS elsewhere and speaks plain HTTP to the app sets HTTPS=off explicitly.
HTTPS = env_bool("HTTPS", default=not EMBEDDED and not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", default=False) else None
# The proxies whose X-Forwarded-For is believed, by addresses or networks; none by default. Everything that needs the
# client's address (the sign-in lock-out, password-reset limits, the audit trail) asks collab.client_address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", default=[])
parse_trusted_proxies(TRUSTED_PROXIES)  # a clear error at start-up for a value that is not an address
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A workshop day is long; an idle laptop in a shared room should not stay signed in overnight.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_SAVE_EVERY_REQUEST = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "csp",
    "axes",
    "django_celery_beat",
    "collab",
    "systemmap",
    "actionplans",
    "subgroups",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy, Permissions-Policy, and no-store for signed-in people (after authentication, so it
    # knows who is signed in; static files never get this far: WhiteNoise serves them, cacheable, above).
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.PrivateResponsesMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

# Everything a page loads comes from this site: no inline script or style, no inline event handler (the pages have
# none; JSON for the boards and maps is in data blocks, which are never run), nothing framed. Styles are as strict
# as scripts: no page has a style attribute or a <style> block, and scripts style elements through the DOM, which
# the policy allows. The API docs page relaxes its own policy (config/api_urls.py). `connect-src` gains ws:// and
# wss:// of the request's host per request (config/middleware.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default takes a whole workshop writing at once: write-ahead logging lets reads go on during a
    # write, each transaction takes the write lock when it starts (so two never deadlock upgrading a read to a
    # write) and waits up to 20 seconds for its turn rather than failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels_redis waits for messages with a 5-second blocking pop; redis-py's default read timeout is
                # also 5 seconds, so an idle connection could time out first and take its consumer down with it.
                # A pooled connection idle for a few seconds is checked (PING) before reuse, so one that Redis
                # closed when it restarted is replaced rather than failing a broadcast.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "health_check_interval": 5}],
                "prefix": env("CHANNEL_LAYER_PREFIX") or "collab",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_USER_MODEL = "collab.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
# Reset emails sent at most this many times an hour to one address, and at the request of one client address
# (collab/limits.py); beyond that the page answers as usual and sends nothing.
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
PASSWORD_RESET_LIMIT_PER_CLIENT = 10

# Lock-out after repeated failed sign-ins to one account, for an hour, from whatever addresses they came: counting
# only per account and address let anyone who could vary their address (X-Forwarded-For through a trusting proxy, a
# botnet) guess for ever. Not per address alone: a whole school or council office signs in from one address. The
# account-and-address pair can never reach the limit before the account does; it stays listed because django-axes'
# deployment check (axes.W006) asks for the address to be among the parameters.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "collab.client_address.client_address"
AXES_USERNAME_FORM_FIELD = "username"
# One count per address whatever its case, as sign-in itself ignores case.
AXES_USERNAME_CALLABLE = "collab.lockout.username_for_lockout"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The address people reach the workspace at, for links in emails.
SITE_URL = env("SITE_URL") or "http://127.0.0.1:8000"
INVITATION_MAX_AGE = timedelta(days=env_int("INVITATION_MAX_AGE_DAYS", default=14))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y, H:i"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Email: the console in the embedded default, SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "Collaborative workspace <no-reply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH") or str(BASE_DIR / "sent-emails")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous request is told 401 with `WWW-Authenticate: Token`. The tokens are
        # django-rest-knox's: only a digest is stored, they expire, and a password change revokes them
        # (collab/services/tokens.py).
        "collab.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "collab.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "collab.api_base.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens last this long from when they are issued (not renewed by use); a person sees and revokes theirs on
# their account page or at /api/v1/auth/tokens/.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", default=24 * 30)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be at least 1: API tokens always expire.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collaborative workspace API",
    "DESCRIPTION": (
        "Programmes, collaboratives, organisations, memberships and invitations. Objects of a collaborative you "
        "are not part of answer 404, exactly as if they did not exist. Every error has the same shape: "
        '`{"error": {"status", "code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is for people with an account, like the API it describes (README, "Security").
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI is served from this app, not from a CDN, so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",  # tag operations by resource, not by version
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "collab.models.Role",
        "CollaborativeRoleEnum": "collab.api.COLLABORATIVE_ROLE_CHOICES",
        "SectorEnum": "collab.models.Sector",
        "InvitationStatusEnum": "collab.api.INVITATION_STATUS_CHOICES",
        "SubGroupRoleEnum": "subgroups.models.SubGroupRole",
        "SubGroupChangeableRoleEnum": "subgroups.api.CHANGEABLE_ROLE_CHOICES",
        "ProgressStatusEnum": "subgroups.models.Status",
        "MilestoneStateEnum": "subgroups.models.MilestoneState",
        "SupportStateEnum": "subgroups.models.SupportState",
        "ConcernStateEnum": "subgroups.models.ConcernState",
        "MandateEnum": "subgroups.models.Mandate",
        "MandateSettingEnum": "subgroups.models.MandateSetting",
        "ElementTypeEnum": "systemmap.models.ElementType",
        "ConnectionTypeEnum": "systemmap.models.ConnectionType",
        "EvidenceKindEnum": "systemmap.models.EvidenceKind",
        "ImportFormatEnum": "systemmap.io.IMPORT_FORMATS",
        "ExportFormatEnum": "systemmap.io.EXPORT_FORMAT_NAMES",
        # Other fields named "kind" and "format" exist since the system maps: name these two too.
        "SupportKindEnum": "subgroups.models.SupportKind",
        "WorkshopFormatEnum": "collab.models.WorkshopFormat",
        # The action plan's own "status" and "kind" fields.
        "PlanStatusEnum": "actionplans.models.PlanStatus",
        "PlanRecordStatusEnum": "actionplans.api.plans.RECORD_STATUS_CHOICES",
        "PlanItemStatusEnum": "actionplans.models.ItemStatus",
        "StrategyKindEnum": "actionplans.models.StrategyKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "collab.api_base.add_error_responses",
    ],
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
