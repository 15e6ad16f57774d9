"""The embedded setup `make run` uses: SQLite under var/, debug on for a developer's machine."""

from yimen.config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("YIMEN_DEBUG", True)

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects it to exist
