"""Benchmark settings (bench/case_submit.py): production-like on PostgreSQL - DEBUG off, persistent
connections, no debug tooling - plus the benchmark-only floor endpoint `/bench/floor` and its app.
Plain HTTP on loopback, so cookies are not marked secure. Never use this module in production."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The bench settings need PostgreSQL: set DATABASE_URL=postgres://...")

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
DATABASES["default"]["CONN_MAX_AGE"] = None  # one connection per worker for its whole life
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
INSTALLED_APPS = [*INSTALLED_APPS, "yimen.benchfloor"]
ROOT_URLCONF = "yimen.config.bench_urls"
