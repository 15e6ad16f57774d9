"""Test settings: fast hashing, in-memory email, a throwaway var dir. DATABASE_URL picks SQLite or PostgreSQL."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("YIMEN_VAR_DIR", str(Path(tempfile.gettempdir()) / f"yimen-test-{os.getpid()}"))

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
YIMEN_LEDGER_KEY_DIR = VAR_DIR / "ledger"
YIMEN_LEDGER_TILE_DIR = VAR_DIR / "ledger" / "tiles"
# Test databases are emptied between tests: a process checks on every proof that its log is the same one.
YIMEN_LEDGER_TILE_RECHECK_SECONDS = 0.0
MEDIA_ROOT = VAR_DIR / "media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test runner creates its own database; keep it on disk so live-server threads share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # One test database per run, so two suites on one server (two checkouts, a developer and CI) never
    # drop each other's database halfway through.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The live inbox's LISTEN connection (yimen.events.live) is started only by the test that checks it, so no
# stray connection holds the test database when the run drops it.
YIMEN_EVENTS_LISTEN = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
