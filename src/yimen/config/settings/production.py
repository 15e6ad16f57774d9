"""Production: PostgreSQL required, secure cookies, a real secret key."""

from django.core.exceptions import ImproperlyConfigured

from yimen.config.env import env, env_bool

from .base import *  # noqa: F403
from .base import DATABASES, SECRET_KEY

if SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set YIMEN_SECRET_KEY to a long random value in production.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://...")

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("YIMEN_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("YIMEN_HSTS_SECONDS", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
