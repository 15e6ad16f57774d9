"""sources.yaml: every bad input is refused with a message naming the file and column."""

import subprocess
import sys
import textwrap

import pytest

from yimen.fusion.config import FusionError, sources_load


def write(tmp_path, body: str, files=("p.csv",)):
    for name in files:
        (tmp_path / name).write_text("编号,身份证号,姓名\n1,440604199001011234,陈大文\n", encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


GOOD = """
sources:
  - name: police
    department: 公安局
    kind: person
    path: p.csv
    as_of: 2026-06-30
    record_id: 编号
    columns: {身份证号: id_number, 姓名: name}
    trust: {id_number: 10, name: 9}
"""


def test_a_good_file_parses_with_paths_relative_to_it(tmp_path):
    (src,) = sources_load(write(tmp_path, GOOD))
    assert src.name == "police" and src.kind == "person"
    assert src.path == (tmp_path / "p.csv").resolve()
    assert src.as_of.isoformat() == "2026-06-30"
    assert src.fields == ["id_number", "name"]
    assert src.column_for("name") == "姓名"
    assert src.trust == {"id_number": 10.0, "name": 9.0}
    assert src.encoding is None and src.format == "csv"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("name", "2bad"), "name must match"),
        (("kind", "animal"), "kind must be person or enterprise"),
        (("as_of", "30/06/2026"), "is not a date"),
        (("columns", "{身份证号: passport}"), "unknown canonical field 'passport'"),
        (("columns", "{身份证号: name, 姓名: name}"), "mapped twice"),
        (("trust", "{uscc: 3}"), "trust names unknown canonical field 'uscc'"),
        (("trust", "{name: high}"), "must be a number"),
        (("path", "missing.csv"), "extract not found"),
        (("encoding", "latin-1"), "is not supported"),
        (("record_id", "''"), "`record_id` is required"),
    ],
)
def test_bad_definitions_are_refused_with_the_problem(tmp_path, change, expected):
    key, value = change
    body = GOOD.replace(f"    {key}: ", f"    {key}_old: ") if f"    {key}: " in GOOD else GOOD
    body = body.replace(f"    {key}_old: ", "    _drop: ")
    lines = [line for line in body.splitlines() if not line.startswith("    _drop: ")]
    lines.append(f"    {key}: {value}")
    with pytest.raises(FusionError) as err:
        sources_load(write(tmp_path, "\n".join(lines) + "\n"))
    assert expected in str(err.value)


def test_unknown_canonical_field_names_the_column(tmp_path):
    with pytest.raises(FusionError) as err:
        sources_load(write(tmp_path, GOOD.replace("姓名: name", "姓名: full_name")))
    assert err.value.column == "姓名"
    assert "sources.yaml" in str(err.value)


def test_duplicate_source_names_and_empty_files_are_refused(tmp_path):
    twice = GOOD + GOOD.split("sources:\n", 1)[1]
    with pytest.raises(FusionError, match="used twice"):
        sources_load(write(tmp_path, twice))
    with pytest.raises(FusionError, match="non-empty list"):
        sources_load(write(tmp_path, "sources: []\n"))
    with pytest.raises(FusionError, match="not found"):
        sources_load(tmp_path / "nope.yaml")


def test_the_fusion_package_imports_no_django():
    code = (
        "import sys, pkgutil, importlib, yimen.fusion as f\n"
        "for m in pkgutil.iter_modules(f.__path__):\n"
        "    importlib.import_module('yimen.fusion.' + m.name)\n"
        "bad = sorted(k for k in sys.modules if k == 'django' or k.startswith('django.'))\n"
        "print(len(bad)); assert not bad, bad\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"
