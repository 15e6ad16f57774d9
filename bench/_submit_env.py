"""The environment both case-submission benchmarks run in, set on import before Django is: their own
PostgreSQL database (never `yimen` or `yimen_bench`, which hold other benchmarks' data), the benchmark
settings, DEBUG off."""

import os
import sys
import urllib.parse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yimen_bench_submit"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_SUBMIT_DATABASE_URL", DEFAULT_URL)
os.environ["DJANGO_SETTINGS_MODULE"] = "yimen.config.settings.bench"
os.environ["YIMEN_DEBUG"] = "0"
if urllib.parse.urlparse(os.environ["DATABASE_URL"]).path.lstrip("/") in ("yimen", "yimen_bench"):
    sys.exit("refusing to run on yimen / yimen_bench: they hold other benchmarks' data")
