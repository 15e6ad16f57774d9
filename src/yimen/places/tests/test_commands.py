import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from yimen.places.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference")]


def run(*args) -> str:
    out = StringIO()
    call_command("places", *args, stdout=out)
    return out.getvalue()


def test_import_again_reports_counts_and_changes_nothing():
    before = Division.objects.count()
    out = run("import")
    assert "4 镇街 streets, 147 村居 villages" in out
    assert "23 区直部门 district, 4 镇街办事处 street offices" in out
    assert "already in place" in out
    assert Division.objects.count() == before


def test_import_full_grids():
    out = run("import", "--grids", "full")
    assert "(full, seed 4406, generated)" in out
    assert Division.objects.filter(level=Division.Level.GRID).count() > 1700


def test_import_with_explicit_reference_paths():
    reference = Path(settings.YIMEN_REFERENCE_DIR)
    out = run(
        "import",
        "--divisions",
        str(reference / "foshan-4406-2021.json"),
        "--taxonomy",
        str(reference / "event-taxonomy.yaml"),
        "--departments",
        str(reference / "departments.yaml"),
    )
    assert "created 0, updated 0, unchanged 152" in out


def test_a_bad_divisions_file_fails_with_its_path_and_key(tmp_path):
    data = json.loads(
        (Path(settings.YIMEN_REFERENCE_DIR) / "foshan-4406-2021.json").read_text(encoding="utf-8")
    )
    data["440604012"]["abc"] = "坏"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = Division.objects.count()
    with pytest.raises(CommandError) as caught:
        run("import", str(path))
    assert str(path) in str(caught.value) and "'abc'" in str(caught.value)
    assert Division.objects.count() == before


def test_locate_prints_grid_village_area_and_street():
    out = run("locate", "23.03", "113.11")
    assert "网格 grid:" in out and "片区 area:" in out
    assert "镇街 street:   440604012 祖庙街道" in out


def test_locate_outside_fails():
    with pytest.raises(CommandError, match="不在禅城区范围内"):
        run("locate", "23.2", "113.5")
    with pytest.raises(CommandError, match="应为数字"):
        run("locate", "north", "113.5")
