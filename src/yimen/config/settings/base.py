"""Settings shared by every environment. Every value comes from the environment with a safe default.

The defaults give the embedded setup `make run` uses: SQLite under var/, debug off unless asked.
"""

from pathlib import Path

import dj_database_url
from xstatic.pkg import leaflet as xstatic_leaflet

from yimen.config.env import env, env_bool, env_list

SRC_DIR = Path(__file__).resolve().parents[2]  # .../src/yimen
REPO_DIR = SRC_DIR.parents[1]
VAR_DIR = Path(env("YIMEN_VAR_DIR", str(REPO_DIR / "var")))

SECRET_KEY = env("YIMEN_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("YIMEN_DEBUG", False)
ALLOWED_HOSTS = env_list("YIMEN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("YIMEN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "yimen.common",
    "yimen.places",
    "yimen.registry",
    "yimen.accounts",
    "yimen.catalog",
    "yimen.ledger",
    "yimen.cases",
    "yimen.events",
    "yimen.notify",
    "yimen.proactive",
    "yimen.policies",
    "yimen.portal",
    "yimen.demo",
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
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "yimen.config.urls"
WSGI_APPLICATION = "yimen.config.wsgi.application"
ASGI_APPLICATION = "yimen.config.asgi.application"

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
                "django.template.context_processors.i18n",
                "yimen.portal.context_processors.district",
            ],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL in production via DATABASE_URL.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yimen.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions + WAL: concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(env("YIMEN_DB_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Django's database sessions and model backend, with the reads every signed-in request makes as prepared
# statements on PostgreSQL (yimen.accounts.sessions, yimen.accounts.backends). Django's own backend stays
# listed second only for sessions signed in before (they name it).
SESSION_ENGINE = "yimen.accounts.sessions"
AUTHENTICATION_BACKENDS = [
    "yimen.accounts.backends.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:workbench"
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = env("YIMEN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("YIMEN_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Leaflet for the maps, served from the installed xstatic-leaflet package (never copied into the repo).
STATICFILES_DIRS = [("leaflet", xstatic_leaflet.BASE_DIR)]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yimen.common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yimen (一门) API",
    "DESCRIPTION": "一门式政务服务与一网统管平台 — one-door services and city governance for a district.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "yimen.places.models.Department.Kind",
        "ItemKindEnum": "yimen.catalog.models.item.ItemKind",
        "ItemVersionStatusEnum": "yimen.catalog.models.item.VersionStatus",
        "CaseStatusEnum": "yimen.cases.models.case.Status",
        "CaseChannelEnum": "yimen.cases.models.case.Channel",
        "EventStatusEnum": "yimen.events.workflow.Status",
        "EventChannelEnum": "yimen.events.models.Channel",
        "EventReportChannelEnum": "yimen.events.api.serializers.REPORT_CHANNELS",
        "SensorReadingResultEnum": "yimen.events.api.serializers.SENSOR_RESULTS",
        "CampaignStateEnum": "yimen.notify.workflow.CampaignState",
    },
}

# Background work (Django's tasks API via the django-tasks backport): the database backend, run by
# `manage.py db_worker`; no broker needed.
TASKS = {"default": {"BACKEND": env("YIMEN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Yimen's own settings.
YIMEN_DISTRICT_CODE = env("YIMEN_DISTRICT_CODE", "440604")
YIMEN_DISTRICT_NAME = env("YIMEN_DISTRICT_NAME", "禅城区")
# Reference data shipped with the package (copies of shared/data with their SOURCE notes).
YIMEN_REFERENCE_DIR = Path(env("YIMEN_REFERENCE_DIR", str(SRC_DIR / "places" / "reference")))
# The ledger signing key lives outside the database.
YIMEN_LEDGER_KEY_DIR = Path(env("YIMEN_LEDGER_KEY_DIR", str(VAR_DIR / "ledger")))
YIMEN_LEDGER_ORIGIN = env("YIMEN_LEDGER_ORIGIN", "yimen.chancheng.gov.cn/ledger")
# Complete tiles of 256 leaf hashes, a local cache that lets proofs skip the database (yimen.ledger.tiles);
# empty switches it off. A process re-reads the log's size and first leaf at most this often.
YIMEN_LEDGER_TILE_DIR = env("YIMEN_LEDGER_TILE_DIR", str(VAR_DIR / "ledger" / "tiles"))
YIMEN_LEDGER_TILE_RECHECK_SECONDS = float(env("YIMEN_LEDGER_TILE_RECHECK_SECONDS", "1"))

# Notifications (yimen.notify). Email goes through Django's email backend: files under var/ by default,
# SMTP with YIMEN_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the YIMEN_EMAIL_* values.
EMAIL_BACKEND = env("YIMEN_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("YIMEN_EMAIL_FILE_PATH", str(VAR_DIR / "email-outbox"))
EMAIL_HOST = env("YIMEN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("YIMEN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("YIMEN_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("YIMEN_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("YIMEN_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("YIMEN_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(env("YIMEN_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("YIMEN_EMAIL_FROM", "一门 Yimen <noreply@yimen.chancheng.gov.cn>")
# The portal's public address, for the links in emails and text messages.
YIMEN_PUBLIC_URL = env("YIMEN_PUBLIC_URL", "http://127.0.0.1:8000")
# SMS provider: `file` (JSON lines to YIMEN_SMS_OUTBOX), `console` (the log), or a dotted class path.
YIMEN_SMS_PROVIDER = env("YIMEN_SMS_PROVIDER", "file")
YIMEN_SMS_OUTBOX = Path(env("YIMEN_SMS_OUTBOX", str(VAR_DIR / "sms-outbox.jsonl")))
YIMEN_SMS_SIGNATURE = env("YIMEN_SMS_SIGNATURE", "【禅城政务】")
# At most CAP non-transactional messages per person in DAYS days; no text or email in the quiet hours.
YIMEN_NOTIFY_FREQUENCY_CAP = int(env("YIMEN_NOTIFY_FREQUENCY_CAP", "3"))
YIMEN_NOTIFY_FREQUENCY_DAYS = int(env("YIMEN_NOTIFY_FREQUENCY_DAYS", "7"))
YIMEN_NOTIFY_QUIET_HOURS = env("YIMEN_NOTIFY_QUIET_HOURS", "21:00-08:00")
# Retries: exponential backoff from BASE seconds, at most MAX seconds apart, failed after MAX_ATTEMPTS.
YIMEN_NOTIFY_MAX_ATTEMPTS = int(env("YIMEN_NOTIFY_MAX_ATTEMPTS", "5"))
YIMEN_NOTIFY_RETRY_BASE_SECONDS = int(env("YIMEN_NOTIFY_RETRY_BASE_SECONDS", "60"))
YIMEN_NOTIFY_RETRY_MAX_SECONDS = int(env("YIMEN_NOTIFY_RETRY_MAX_SECONDS", "3600"))
# A campaign to more recipients than this (or to none) needs an explicit confirmation.
YIMEN_NOTIFY_CAMPAIGN_LIMIT = int(env("YIMEN_NOTIFY_CAMPAIGN_LIMIT", "10000"))
YIMEN_NOTIFY_CHUNK_SIZE = int(env("YIMEN_NOTIFY_CHUNK_SIZE", "2000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("YIMEN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
