"""Catalog YAML: one format for items (with materials) and themes, imported all-or-nothing and exported
so that import(export()) changes nothing. See `format.py` for the shape."""

from pathlib import Path

from yimen.catalog.yaml_io.exporter import ExportReport, catalog_export
from yimen.catalog.yaml_io.importer import ImportReport, catalog_import

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"

__all__ = ["SAMPLE_DIR", "ExportReport", "ImportReport", "catalog_export", "catalog_import"]
