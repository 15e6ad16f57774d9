import datetime as dt
from dataclasses import replace

import pytest

from yimen.common.errors import Conflict, ValidationFailed
from yimen.ledger.models import Entry
from yimen.policies import services
from yimen.policies.definitions import FIXTURE, fixture_read
from yimen.policies.models import Policy
from yimen.policies.tests.factories import LOAN_ITEM, subsidy_spec

pytestmark = pytest.mark.django_db


def test_the_shipped_file_loads_and_a_reload_changes_nothing(world):
    assert services.policies_load(actor="system") == {"created": 6, "updated": 0, "unchanged": 0}
    assert Policy.objects.filter(auto_grant=True).count() == 2
    loan = Policy.objects.get(code="startup_guarantee_loan_subsidy")
    assert loan.item.implementation_code == LOAN_ITEM and loan.department.code == "RSJ"
    entries = Entry.objects.count()
    assert services.policies_load(actor="system") == {"created": 0, "updated": 0, "unchanged": 6}
    assert Entry.objects.count() == entries


def test_saving_a_policy_is_audited(world):
    policy = services.policy_save(spec=subsidy_spec(), actor=world.users["data_admin"])
    entry = Entry.objects.get(kind="policies.policy.save")
    assert (
        entry.subject == f"policies.policy:{policy.pk}"
        and entry.actor == f"user:{world.users['data_admin'].pk}"
    )
    assert policy.prefill["company"] == "enterprise.name"


BAD = [
    (
        {
            "rule": {
                "all": [
                    {"field": "industry", "op": "eq", "value": "餐饮"},
                    {"field": "industry", "op": "gt", "value": 1},
                ]
            }
        },
        "rule.all[1].op",
        "未知运算符 “gt”",
    ),
    ({"rule": {"field": "turnover", "op": "gte", "value": 100}}, "rule.field", "未知字段 “turnover”"),
    ({"rule": {"tag": "no_such_tag"}}, "rule.tag", "未知标签 “no_such_tag”"),
    ({"rule": {"tag": "age_80_plus"}}, "rule.tag", "对象类型不同"),
    ({"rule": {"household_size": 1}}, "rule.household_size", "不能使用 household_size"),
    ({"rule": {"colour": "red"}}, "rule", "未知条件 “colour”"),
    ({"rule": "industry = 餐饮"}, "rule", "应为一个条件"),
    (
        {"rule": {"certificate": {"item": "11440604000000000000000000000", "valid": True}}},
        "rule.certificate.item",
        "未知事项",
    ),
    ({"prefill": {"foo": "enterprise.name"}}, "prefill.foo", "事项申请表没有字段 foo"),
    ({"prefill": {"company": "enterprise.turnover"}}, "prefill.company", "未知数据项 “enterprise.turnover”"),
    ({"prefill": {"capital": "enterprise.name"}}, "prefill.capital", "类型不符"),
    ({"prefill": {"company": "enterprise.name"}, "item": None}, "prefill", "没有申报事项"),
    ({"department": "XYZ"}, "department", "未知部门 “XYZ”"),
    ({"item": "11440604000000000000000000000"}, "item", "未知事项 “11440604000000000000000000000”"),
    (
        {"valid_from": dt.date(2026, 6, 1), "valid_until": dt.date(2026, 5, 31)},
        "valid_until",
        "截止日期 2026-05-31 早于起始日期 2026-06-01",
    ),
    ({"valid_from": "2026-13-01"}, "valid_from", "应为日期"),
    ({"code": "Bad Code"}, "code", "政策代码"),
    ({"benefit": "  "}, "benefit", "不能为空"),
]


@pytest.mark.parametrize(("change", "path", "message"), BAD, ids=[b[1] + ":" + b[2][:8] for b in BAD])
def test_a_bad_definition_is_refused_with_its_path_and_changes_nothing(world, change, path, message):
    entries = Entry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.policy_save(spec=subsidy_spec(**change), actor="system")
    assert caught.value.message.startswith(f"{path}: ") and message in caught.value.message
    assert path in caught.value.errors
    assert Policy.objects.count() == 0 and Entry.objects.count() == entries


def test_an_item_only_for_natural_persons_cannot_be_a_policy_item(world):
    from yimen.proactive.tests.factories import BIRTH_REGISTRATION

    with pytest.raises(ValidationFailed, match="^item: .*只面向自然人"):
        services.policy_save(spec=subsidy_spec(item=BIRTH_REGISTRATION, prefill={}), actor="system")


def test_a_failed_change_leaves_the_stored_policy_as_it_was(world):
    policy = services.policy_save(spec=subsidy_spec(), actor="system")
    bad = subsidy_spec(name="改名", rule={"any": []})
    with pytest.raises(ValidationFailed, match=r"^rule\.any: 应为非空列表"):
        services.policy_save(spec=bad, actor="system", policy=policy)
    policy.refresh_from_db()
    assert policy.name == "工业企业技术改造补助" and policy.rule["all"]


def test_codes_are_unique_and_cannot_change(world):
    policy = services.policy_save(spec=subsidy_spec(), actor="system")
    with pytest.raises(Conflict):
        services.policy_save(spec=subsidy_spec(), actor="system")
    with pytest.raises(ValidationFailed, match="不能修改"):
        services.policy_save(spec=subsidy_spec(code="other_code"), actor="system", policy=policy)


def test_a_file_with_one_bad_entry_loads_nothing_and_names_the_entry(world, tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "rule: {tag: food_business}", "rule: {field: industry, op: like, value: 餐饮}"
    )
    bad = tmp_path / "policies.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        services.policies_load(path=bad, actor="system")
    assert caught.value.message.startswith("policies[2].rule.op: 未知运算符 “like”")
    assert "policies[2].rule.op" in caught.value.errors
    assert Policy.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: yimen-tags/1\npolicies: []\n", "yimen-policies/1"),
        (
            "format: yimen-policies/1\npolicies:\n  - {code: a1, name: x, department: SCJ, benefit: y}\n",
            "缺少 rule",
        ),
        (
            "format: yimen-policies/1\npolicies:\n  - {code: a1, name: x, department: SCJ, benefit: y, rule: {}, colour: red}\n",
            "policies[0].colour: 未知键",
        ),
    ],
)
def test_malformed_files_are_refused(world, tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed, match=message.replace("[", r"\[").replace("]", r"\]")):
        services.policies_load(path=path, actor="system")


def test_the_admin_form_shows_the_rule_problem_on_the_rule_field(world):
    import yaml

    from yimen.places.models import Department
    from yimen.policies.admin import PolicyForm

    spec = subsidy_spec(
        rule={
            "all": [
                {"field": "industry", "op": "eq", "value": "x"},
                {"field": "kind", "op": "eq", "value": "shop"},
            ]
        }
    )
    form = PolicyForm(
        data={
            "code": spec.code,
            "name": spec.name,
            "benefit": spec.benefit,
            "department_ref": Department.objects.get(code="SCJ").pk,
            "item_code": spec.item,
            "rule_yaml": yaml.safe_dump(spec.rule, allow_unicode=True),
            "prefill_yaml": yaml.safe_dump(spec.prefill),
            "enabled": "on",
        }
    )
    assert not form.is_valid()
    assert form.errors["rule_yaml"][0].startswith("rule.all[1].value: ")
    form.data = {**form.data, "rule_yaml": "industry: [", "prefill_yaml": ""}
    form.full_clean()
    assert "YAML" in form.errors["rule_yaml"][0]


def test_fixture_specs_round_trip_through_policy_save(world):
    """Every shipped definition is a valid spec on its own (the admin and the file take one path)."""
    for spec in fixture_read():
        services.policy_save(spec=replace(spec), actor="system")
    assert Policy.objects.count() == 6
