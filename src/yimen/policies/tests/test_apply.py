import pytest

from yimen.cases.models import Case, MaterialState
from yimen.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yimen.ledger.models import Entry
from yimen.policies import services
from yimen.policies.models import MatchState, PolicyMatch
from yimen.policies.tests.factories import TODAY, subsidy_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(world):
    """The technical-upgrade subsidy matched: old_ltd (五金机械) has an open offer."""
    services.policy_save(spec=subsidy_spec(), actor="system")
    services.policies_match(today=TODAY, policy_codes=["tech_upgrade_subsidy"])
    return world


def match_of(world, label: str, code: str = "tech_upgrade_subsidy") -> PolicyMatch:
    return PolicyMatch.objects.get(policy__code=code, enterprise=world.e[label])


def test_one_click_files_the_case_with_the_form_prefilled_and_materials_reused(offered):
    w = offered
    match = match_of(w, "old_ltd")
    assert match.state == MatchState.NOTIFIED
    match = services.policy_apply(match=match, actor=w.users["agent_old_ltd"])
    assert match.state == MatchState.APPLIED
    case = match.case
    ent = w.e["old_ltd"]
    assert case.applicant_enterprise == ent and case.channel == "online" and case.status == "submitted"
    assert case.form_data["company"] == ent.name
    assert case.form_data["legal_person"] == ent.legal_representative.name
    assert case.form_data["contact_phone"] == ent.legal_representative.phone
    assert case.form_data["capital"] == 1000.0
    assert match.prefill == {
        k: case.form_data[k] for k in ("company", "legal_person", "contact_phone", "capital")
    }
    assert {m.key: m.state for m in case.materials.all()} == {
        "business_licence": MaterialState.REUSED,
        "tax_record": MaterialState.REUSED,
    }
    entry = Entry.objects.get(kind="policies.match.apply")
    assert entry.subject == f"policies.policymatch:{match.pk}"


def test_applying_twice_returns_the_same_case(offered):
    w = offered
    first = services.policy_apply(match=match_of(w, "old_ltd"), actor=w.users["agent_old_ltd"])
    again = services.policy_apply(match=match_of(w, "old_ltd"), actor=w.users["agent_old_ltd"])
    assert again.case_id == first.case_id
    assert Case.objects.filter(applicant_enterprise=w.e["old_ltd"]).count() == 1


def test_another_enterprises_agent_cannot_see_or_apply(offered):
    w = offered
    with pytest.raises(NotFound):
        services.policy_apply(match=match_of(w, "old_ltd"), actor=w.users["agent_new_ltd"])
    with pytest.raises(NotFound):
        services.policy_dismiss(match=match_of(w, "old_ltd"), actor=w.users["agent_new_ltd"])
    assert match_of(w, "old_ltd").state == MatchState.NOTIFIED


@pytest.mark.parametrize("who", ["citizen", "clerk", "data_admin"])
def test_only_enterprise_agents_apply(offered, who):
    with pytest.raises(PermissionDenied):
        services.policy_apply(match=match_of(offered, "old_ltd"), actor=offered.users[who])


def test_missing_materials_fail_the_application_and_write_nothing(shipped):
    """创业担保贷款: the licence is reused, the loan application and plan must be uploaded."""
    w = shipped
    services.policies_match(today=TODAY, policy_codes=["startup_guarantee_loan_subsidy"])
    match = match_of(w, "new_ltd", "startup_guarantee_loan_subsidy")
    entries, cases = Entry.objects.count(), Case.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.policy_apply(match=match, actor=w.users["agent_new_ltd"])
    assert set(caught.value.errors) == {"materials.loan_application", "materials.business_plan"}
    assert "创业担保贷款申请书" in caught.value.errors["materials.loan_application"][0]
    match.refresh_from_db()
    assert match.state == MatchState.NOTIFIED and match.case is None
    assert Case.objects.count() == cases and Entry.objects.count() == entries


def test_a_form_field_the_registry_cannot_fill_is_named(offered):
    w = offered
    rep = w.e["old_ltd"].legal_representative
    rep.phone = ""
    rep.save()
    with pytest.raises(ValidationFailed) as caught:
        services.policy_apply(match=match_of(w, "old_ltd"), actor=w.users["agent_old_ltd"])
    assert "form.contact_phone" in caught.value.errors


def test_a_policy_without_an_item_has_no_one_click(shipped):
    w = shipped
    services.policies_match(today=TODAY, policy_codes=["catering_consumption_support"])
    match = match_of(w, "restaurant", "catering_consumption_support")
    with pytest.raises(ValidationFailed, match="没有网上申报事项"):
        services.policy_apply(match=match, actor=w.users["agent_restaurant"])


def test_dismiss_closes_the_offer_and_a_closed_offer_cannot_be_applied(offered):
    w = offered
    match = services.policy_dismiss(match=match_of(w, "old_ltd"), actor=w.users["agent_old_ltd"])
    assert match.state == MatchState.DISMISSED
    assert Entry.objects.filter(kind="policies.match.dismiss").count() == 1
    with pytest.raises(Conflict):
        services.policy_apply(match=match, actor=w.users["agent_old_ltd"])
    # A re-run leaves a dismissed offer alone.
    services.policies_match(today=TODAY, policy_codes=["tech_upgrade_subsidy"])
    assert match_of(w, "old_ltd").state == MatchState.DISMISSED


def test_a_granted_benefit_is_not_applied_for(shipped):
    w = shipped
    services.policies_match(today=TODAY, policy_codes=["new_enterprise_free_seal"])
    match = match_of(w, "new_ltd", "new_enterprise_free_seal")
    assert match.state == MatchState.GRANTED
    with pytest.raises(Conflict):
        services.policy_apply(match=match, actor=w.users["agent_new_ltd"])
