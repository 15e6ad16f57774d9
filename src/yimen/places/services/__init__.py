"""Use cases that change the division tree and the departments. Each runs in one transaction, checks
everything before writing, and appends one audit entry when it changed something.

    divisions_import()      official codes: district, streets/towns, villages/communities
    departments_import()    district departments and street/town offices
    grids_generate()        generated areas (片区) and grids (网格), see layout.py
    reference_load()        all three; fast when everything is already in place
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from yimen.places.services.divisions import (
    departments_import,
    divisions_import,
    paths_refresh,
    street_office_name,
)
from yimen.places.services.grids import grids_generate

__all__ = [
    "departments_import",
    "divisions_import",
    "grids_generate",
    "paths_refresh",
    "reference_load",
    "street_office_name",
]


@transaction.atomic
def reference_load(*, grids: str = "small", seed: int = 4406, actor: Any = None) -> dict:
    """Everything the platform needs about places, from the reference files shipped in the package.

    What `make run` and the demo loader call at start-up: when everything is already in place it only
    reads and compares (well under a second)."""
    return {
        "divisions": divisions_import(district_code=settings.YIMEN_DISTRICT_CODE, actor=actor),
        "departments": departments_import(actor=actor),
        "grids": grids_generate(scale=grids, seed=seed, actor=actor),
    }
