"""Shared start-up for benchmarks: Django on DATABASE_URL (PostgreSQL for real figures), migrated, with
the demo world at the requested scale, and a JSON-lines printer."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yimen.config.settings.local")
os.environ.setdefault("YIMEN_DEBUG", "0")


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL if it does not exist yet."""
    import urllib.parse

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def django_ready(*, scale: str) -> None:
    import django
    from django.core.management import call_command

    ensure_database()
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo", "load", "--scale", scale)


def emit(bench: str, metric: str, value, unit: str, **extra) -> None:
    from django.db import connection

    row = {
        "bench": bench,
        "metric": metric,
        "value": round(value, 4) if isinstance(value, float) else value,
        "unit": unit,
        "db": connection.vendor,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d"),
        **extra,
    }
    print(json.dumps(row, ensure_ascii=False), flush=True)


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": q[49] / 1e6, "p95": q[94] / 1e6, "p99": q[98] / 1e6, "max": ordered[-1] / 1e6}


SUBMISSION_ITEM = "老年人优待证办理"


def submission_inputs() -> tuple[str, dict, list[str]]:
    """What the case-submission benchmarks file: the item's implementation code, a form that satisfies
    its schema, and up to 20,000 living demo residents' ID numbers to apply for."""
    from yimen.catalog.models import ItemVersion
    from yimen.registry.models import Person

    version = ItemVersion.objects.published().select_related("item").get(name=SUBMISSION_ITEM)
    props = (version.form_schema or {}).get("properties", {})
    form = {k: (v["enum"][0] if "enum" in v else "演示") for k, v in props.items() if k != "id_number"}
    ids = list(Person.objects.filter(status="alive").values_list("id_number", flat=True)[:20_000])
    return version.item.implementation_code, form, ids
