"""The benchmark floor endpoint (bench/case_submit.py) exists only under `yimen.config.settings.bench`."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

SETTINGS_DIR = Path(__file__).resolve().parents[2] / "config" / "settings"


def test_floor_is_not_routed_or_installed_outside_the_bench_settings():
    assert "yimen.benchfloor" not in settings.INSTALLED_APPS
    assert settings.ROOT_URLCONF == "yimen.config.urls"
    with pytest.raises(NoReverseMatch):
        reverse("bench-floor")
    assert Client().post("/bench/floor").status_code == 404


@pytest.mark.parametrize("module", ["base.py", "local.py", "production.py", "test.py"])
def test_no_other_settings_module_mentions_the_floor(module):
    text = (SETTINGS_DIR / module).read_text()
    assert "benchfloor" not in text and "bench_urls" not in text


def test_bench_settings_enable_the_floor():
    tree = ast.parse((SETTINGS_DIR / "bench.py").read_text())
    assigned = {
        t.id: ast.unparse(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert assigned["ROOT_URLCONF"] == "'yimen.config.bench_urls'"
    assert "yimen.benchfloor" in assigned["INSTALLED_APPS"]
    assert assigned["DEBUG"] == "False" and assigned["ALLOWED_HOSTS"] == "['127.0.0.1']"
