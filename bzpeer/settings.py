"""BZPEER settings: everything that varies between deployments comes from the environment.

With no environment variables at all the site runs for local development on the project's
embedded PostgreSQL (see bzpeer/localdb.py) with the cache in memory and Celery tasks executed
in-process; DATABASE_URL and REDIS_URL point it at other servers and a real worker.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from bzpeer import localdb
from bzpeer.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only-key-not-for-production-use"
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    # What `check --deploy` calls weak (security.W009): refused outright, not just warned of.
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: use 50 or more characters, at least 5 of them different "
        "(for example python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "bzpeer.admin_site.BzpeerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.orcid",
    "rest_framework.authtoken",
    "bzpeer.apps.PeriodicTasksConfig",
    "accounts",
    "papers",
    "reviews",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Sends SECURE_CSP (see Security below) on every response that has none of its own.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "bzpeer.middleware.nul_free_paths",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Turns django-ratelimit's refusals into RATELIMIT_VIEW's 429.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "bzpeer.urls"

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
                "accounts.notifications.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "bzpeer.wsgi.application"

# --- Database -------------------------------------------------------------------------
# PostgreSQL only. Without DATABASE_URL: the project-local server `make run` starts
# (bzpeer/localdb.py), reached through its Unix socket in .pgdata/.
DATABASE_URL = env_str("DATABASE_URL") or localdb.database_url()
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Accounts (django-allauth) --------------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
# Mails say who sends them (the default prefix is the site's domain, such as "127.0.0.1:8821").
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BZPEER] "
# "edit" is a path under /accounts/profile/, not a profile.
ACCOUNT_USERNAME_BLACKLIST = ["edit"]
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's built-in limits on log-in, sign-up and mail (they use the cache). Failed log-ins
# are limited per account; per address only far above what one person types, since many
# people may share an address (an office, a proxy).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "100/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
# The client's address for those limits: REMOTE_ADDR, or behind N proxies of our own the
# Nth address from the right of X-Forwarded-For (never a client-supplied one).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Social log-in appears only for providers whose keys are set.
SOCIALACCOUNT_PROVIDERS = {
    name: {"APPS": [{"client_id": client_id, "secret": secret}]}
    for name, client_id, secret in [
        ("orcid", env_str("ORCID_CLIENT_ID"), env_str("ORCID_SECRET")),
        ("github", env_str("GITHUB_CLIENT_ID"), env_str("GITHUB_SECRET")),
    ]
    if client_id and secret
}

# Where each provider's authorization page is (see form-action in SECURE_CSP).
SOCIAL_LOGIN_ORIGINS = {"orcid": "https://orcid.org", "github": "https://github.com"}

# --- Redis: cache and Celery broker ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "bzpeer")
if REDIS_URL:
    CACHES = {
        # Misses while Redis does not answer: the site goes on from the database.
        "default": {
            "BACKEND": "bzpeer.cache_backend.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 60 * 60 * 24,
        },
        # The same Redis for the paper pages' tokens, whose lost writes must be known
        # (papers/catalogue/page_cache.py records and replays them).
        "pages": {
            "BACKEND": "bzpeer.cache_backend.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 60 * 60 * 24,
        },
    }
else:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bzpeer",  # one store for both names, as with Redis
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 60 * 60 * 24,
        }
        for alias in ("default", "pages")
    }

# Sessions are read from Redis and kept in the database (accounts/sessions.py); without
# Redis, from the database: an in-process cache is not shared between server processes.
SESSION_ENGINE = "accounts.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the tasks run in-process, so `make run` needs no worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died unacknowledged is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60),
    # Kombu looks for such tasks every interval x throttle seconds (10 x 10 by default);
    # one cheap sorted-set read every interval is enough and keeps recovery prompt.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
    # A broker host that does not answer is given up on after two seconds, not minutes.
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a task gives up within about a second while the broker is down (a request
# waits for it); each caller keeps what it needed queued (papers/ingest/jobs.py) or knows
# a later run catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.25,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Schedules live in the database and are managed in Django admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- arXiv and OpenAlex ---------------------------------------------------------------
ARXIV_API_URL = env_str("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env_str("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_REQUEST_INTERVAL = env_float("ARXIV_REQUEST_INTERVAL", 3.0)
# Papers one person may have being added (queued or fetching) at a time.
IMPORTS_IN_FLIGHT_MAX = env_int("IMPORTS_IN_FLIGHT_MAX", 5)
# A queued import whose task the broker took this long ago and no worker started is taken
# to be lost (a broker restarted without its data) and handed to the workers again.
IMPORT_JOB_REDISPATCH_AFTER = env_int("IMPORT_JOB_REDISPATCH_AFTER", 15 * 60)
OPENALEX_URL = env_str("OPENALEX_URL", "https://api.openalex.org")
OPENALEX_API_KEY = env_str("OPENALEX_API_KEY")
# OpenAlex allows 10 requests a second per key.
OPENALEX_REQUEST_INTERVAL = env_float("OPENALEX_REQUEST_INTERVAL", 0.1)
# Seconds before a request to arXiv or OpenAlex gives up, and how often a failed one is tried.
HTTP_TIMEOUT = env_float("HTTP_TIMEOUT", 30.0)
HTTP_MAX_ATTEMPTS = env_int("HTTP_MAX_ATTEMPTS", 5)
# OAI-PMH sets harvested every day by the beat schedule.
HARVEST_SETS = env_list("HARVEST_SETS", ["cs"])
# ListRecords pages (2 500 records each) one harvest task takes before queueing the rest.
HARVEST_PAGES_PER_TASK = env_int("HARVEST_PAGES_PER_TASK", 20)
CONTACT_EMAIL = env_str("CONTACT_EMAIL", "admin@bzpeer.org")

# --- Email ------------------------------------------------------------------------------
# The console in development (decoded, so its links can be copied), SMTP (the EMAIL_HOST*
# variables) otherwise.
_EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "bzpeer.console_mail.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
_SMTP_OPTIONS = {
    "host": env_str("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25),
    "username": env_str("EMAIL_HOST_USER"),
    "password": env_str("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", default=False),
    "timeout": env_int("EMAIL_TIMEOUT", 10),
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BZPEER <noreply@bzpeer.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / env_str("STATIC_ROOT", "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: a second line of defence behind the templates' escaping. Every
# script, stylesheet, font and image is served by BZPEER itself (static/vendor/ holds htmx,
# KaTeX and Cytoscape; the admin's and Swagger UI's come from their packages), so 'self' is
# all a page needs: no inline script or style, no eval (base.html turns htmx's off), no
# plugins, no framing, and forms and fetches go back to this site only. data: images are
# the icons Swagger UI's stylesheet inlines; data: fonts leave room for KaTeX builds that
# inline theirs (the vendored one links font files).
# No page needs an exception, and nothing uses a nonce: anonymous pages are cached and
# shared, and a nonce in a shared page would be the same nonce for everyone.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    # A social log-in form posts here and is redirected to its provider, and browsers hold
    # that redirect to form-action too: the configured providers' sign-in hosts are allowed.
    "form-action": [CSP.SELF, *(SOCIAL_LOGIN_ORIGINS[name] for name in SOCIALACCOUNT_PROVIDERS)],
    "frame-ancestors": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks come over plain HTTP from inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("USE_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "papers.api.schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "papers.api.query.PageNumbers",
    "PAGE_SIZE": 25,
    # Token first: its WWW-Authenticate challenge makes a missing or invalid credential a 401
    # (DRF answers 403 when the first class has no challenge). Session requests still sign
    # in, and their writes still need the CSRF token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only, answers and errors alike; /api/docs/ is the API's page for people.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "papers.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # ASCII with \u escapes: a lone surrogate echoed in an error message still encodes.
    "UNICODE_JSON": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BZPEER API",
    "DESCRIPTION": "Papers, their metadata and the curation around them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's online validator badge would be an image from validator.swagger.io,
    # which the Content-Security-Policy refuses; the schema is checked in the test suite.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Request bodies are documented as JSON, the API's language. Form encodings are still
    # read (older clients send them) but cannot say everything JSON says (a list, a null),
    # so the schema does not offer them.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # The vote choices appear in a request and a response: one schema name for both.
    "ENUM_NAME_OVERRIDES": {
        "VoteValueEnum": ["like", "dislike"],
        "ReactionKindEnum": "papers.curation.reaction_kinds.ReactionKind",
        # Reactions and comments both have a "kind": each its own name.
        "CommentKindEnum": "reviews.models.CommentKind",
        # A paper's two dates share one: an exact time, or a day of arXiv's calendar.
        "DatePrecisionEnum": "papers.models.DatePrecision",
    },
}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and OpenAlex's key travels in the URL.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Per-user limits on curation writes (django-ratelimit; counted in the cache).
RATELIMIT_VIEW = "papers.web.rate_limited"
# While the counters' Redis is down, writes go on unlimited (and are logged) rather than all
# refused: the database, which holds them, still answers.
RATELIMIT_FAIL_OPEN = True
WRITE_RATE_LIMIT = env_str("WRITE_RATE_LIMIT", "120/m")
# Authors may edit a discussion comment for this long after posting it.
COMMENT_EDIT_GRACE_MINUTES = env_int("COMMENT_EDIT_GRACE_MINUTES", 15)

# Extra endpoints used only by `make bench` (a constant response to compare against).
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", default=False)

# --- Notifications --------------------------------------------------------------------------
# What one user's notifications gather for before they go out as a single email.
NOTIFICATION_BATCH_SECONDS = env_int("NOTIFICATION_BATCH_SECONDS", 300)
# Emails are written outside any request: their links start with this address. Without it,
# the address `make run` serves on (its PORT).
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")
# EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes each email as a file
# under EMAIL_FILE_PATH instead of sending it.
if _EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
    }
