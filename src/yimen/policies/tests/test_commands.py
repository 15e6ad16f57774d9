import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yimen.policies.models import Policy, PolicyMatch
from yimen.policies.tests.factories import EXPECTED

pytestmark = pytest.mark.django_db


def test_load_then_match_prints_one_line_per_policy(world):
    out = StringIO()
    call_command("policies", "load", stdout=out)
    assert "'created': 6" in out.getvalue() and Policy.objects.count() == 6
    out = StringIO()
    call_command(
        "policies", "match", "--day", "2026-06-15", "--policy", "culture_tourism_support", stdout=out
    )
    [line] = out.getvalue().splitlines()
    row = json.loads(line)
    assert row["policy"] == "culture_tourism_support" and row["eligible"] == len(EXPECTED[row["policy"]])
    assert PolicyMatch.objects.filter(policy__code="culture_tourism_support").count() == 1


def test_errors_are_command_errors_with_the_path(world, tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text(
        "format: yimen-policies/1\npolicies:\n  - {code: x1, name: x, department: NOPE, benefit: y, rule: {tag: new_enterprise}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"policies\[0\]\.department: 未知部门 “NOPE”"):
        call_command("policies", "load", "--file", str(bad))
    with pytest.raises(CommandError, match="--day"):
        call_command("policies", "match", "--day", "yesterday")
