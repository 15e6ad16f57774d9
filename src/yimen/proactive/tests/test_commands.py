"""`yimen proactive tags`, the tasks, the admin form, and the shipped fixture against the sample catalog."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from yimen.proactive.models import PersonTag, TagDefinition
from yimen.proactive.tests.factories import EXPECTED_PERSONS, fixture_item_codes


def test_every_item_the_fixture_names_is_in_the_sample_catalog():
    sample = Path(__file__).resolve().parents[2] / "catalog" / "sample"
    codes = {
        item["implementation_code"]
        for path in sample.glob("*.yaml")
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")).get("items") or [])
    }
    assert fixture_item_codes() <= codes


def test_tags_all_recomputes_and_reports(population, capsys):
    call_command("proactive", "tags", "--all", "--day", "2026-06-15")
    out = capsys.readouterr().out
    assert "living_alone" in out and "living persons:" in out
    assert PersonTag.objects.filter(tag__code="living_alone").count() == len(EXPECTED_PERSONS["living_alone"])


def test_tags_all_enqueue_runs_the_task(population, capsys):
    call_command("proactive", "tags", "--all", "--enqueue", "--day", "2026-06-15")
    assert "SUCCESSFUL" in capsys.readouterr().out  # the test settings run tasks immediately
    assert TagDefinition.objects.get(code="age_80_plus").member_count == 1


def test_tags_load_and_bad_input(population, capsys, tmp_path):
    call_command("proactive", "tags", "--load")
    assert "unchanged" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--day: not an ISO date"):
        call_command("proactive", "tags", "--all", "--day", "15/06/2026")
    with pytest.raises(CommandError, match="nothing to do"):
        call_command("proactive", "tags")
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: other\n", encoding="utf-8")
    with pytest.raises(CommandError, match="标签文件格式应为 yimen-tags/1"):
        call_command("proactive", "tags", "--load", str(bad))


def test_the_admin_form_refuses_a_bad_rule_with_its_path(population):
    from yimen.proactive.admin import TagDefinitionForm

    form = TagDefinitionForm(
        data={
            "code": "nonagenarian",
            "name": "90岁及以上",
            "kind": "person",
            "description": "",
            "alive_only": "on",
            "enabled": "on",
            "rule_yaml": "all:\n  - {field: birth_date, op: age_gte, value: 90}\n  - {field: birth_date, op: age_gt, value: 90}\n",
        }
    )
    assert not form.is_valid()
    assert form.errors["rule_yaml"][0].startswith("rule.all[1].op: 未知运算符 “age_gt”")


def test_the_admin_saves_through_the_service(population, admin_client):
    response = admin_client.post(
        "/admin/proactive/tagdefinition/add/",
        {
            "code": "nonagenarian",
            "name": "90岁及以上",
            "kind": "person",
            "description": "九十岁",
            "alive_only": "on",
            "enabled": "on",
            "rule_yaml": "{field: birth_date, op: age_gte, value: 90}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tag = TagDefinition.objects.get(code="nonagenarian")
    assert tag.rule == {"field": "birth_date", "op": "age_gte", "value": 90} and tag.description == "九十岁"
    page = admin_client.get(f"/admin/proactive/tagdefinition/{tag.pk}/change/").content.decode()
    assert "age_gte" in page
