import datetime as dt

import pytest

from yimen.ledger.models import Entry
from yimen.notify.models import Notification
from yimen.policies import services
from yimen.policies.definitions import rule_tree
from yimen.policies.matching import eligible_ids
from yimen.policies.models import MatchState, Policy, PolicyMatch
from yimen.policies.tests.factories import EXPECTED, TODAY, enterprise
from yimen.proactive.tags.explain import FactsLoader, evaluate
from yimen.registry.models import Enterprise

pytestmark = pytest.mark.django_db


def states(code: str) -> dict[int, str]:
    return dict(PolicyMatch.objects.filter(policy__code=code).values_list("enterprise_id", "state"))


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_shipped_policy_reaches_exactly_the_crafted_enterprises(shipped, code):
    policy = Policy.objects.get(code=code)
    assert eligible_ids(policy, today=TODAY) == shipped.eids(*EXPECTED[code])


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_explanation_agrees_with_the_query_for_every_enterprise(shipped, code):
    policy = Policy.objects.get(code=code)
    tree, loader = rule_tree(policy), FactsLoader(TODAY)
    for label, ent in shipped.e.items():
        reason = evaluate(tree, loader.get(ent, "enterprise"))
        matched = reason.ok and ent.status == "active"
        assert matched == (label in EXPECTED[code]), (code, label, reason.lines())


def test_a_run_records_matches_grants_and_notifies_legal_representatives(shipped):
    result = services.policies_match(today=TODAY)
    assert result["catering_consumption_support"]["created"] == 2
    catering = states("catering_consumption_support")
    assert set(catering.values()) == {MatchState.NOTIFIED}
    # 免申即享: granted outright, and the notice says no application is needed.
    seal = states("new_enterprise_free_seal")
    assert set(seal) == shipped.eids(*EXPECTED["new_enterprise_free_seal"])
    assert set(seal.values()) == {MatchState.GRANTED}
    rep = shipped.e["new_culture"].legal_representative
    notes = Notification.objects.filter(person=rep)
    granted = notes.get(dedupe_key="policy:new_enterprise_free_seal:granted")
    assert "无需申请" in granted.body and shipped.e["new_culture"].name in granted.body
    offer = notes.get(dedupe_key="policy:startup_guarantee_loan_subsidy")
    assert "创业担保贷款" in offer.subject and offer.action_url.startswith("/policies/mine/")
    assert PolicyMatch.objects.filter(notified_at__isnull=True).count() == 0
    # One ledger entry per policy and kind of change.
    kinds = list(Entry.objects.filter(kind__startswith="policies.match.").values_list("kind", flat=True))
    assert kinds.count("policies.match.create") == 4 and kinds.count("policies.match.grant") == 2
    assert kinds.count("policies.match.notify") == 6


def test_matching_again_changes_nothing_and_sends_nothing(shipped):
    services.policies_match(today=TODAY)
    before = (
        list(
            PolicyMatch.objects.order_by("pk").values_list("pk", "state", "state_changed_at", "notified_at")
        ),
        Notification.objects.count(),
        Entry.objects.count(),
    )
    again = services.policies_match(today=TODAY)
    assert all(c["created"] == c["expired"] == c["notified"] == c["granted"] == 0 for c in again.values())
    after = (
        list(
            PolicyMatch.objects.order_by("pk").values_list("pk", "state", "state_changed_at", "notified_at")
        ),
        Notification.objects.count(),
        Entry.objects.count(),
    )
    assert after == before


def test_a_data_change_expires_the_match_and_a_return_does_not_notify_twice(shipped):
    services.policies_match(today=TODAY)
    restaurant = shipped.e["restaurant"]
    Enterprise.objects.filter(pk=restaurant.pk).update(industry="纺织服装")
    services.policies_match(today=TODAY)
    assert states("catering_consumption_support")[restaurant.pk] == MatchState.EXPIRED
    assert states("individual_business_relief")[restaurant.pk] == MatchState.EXPIRED
    assert Entry.objects.filter(kind="policies.match.expire").count() == 2

    notes = Notification.objects.count()
    Enterprise.objects.filter(pk=restaurant.pk).update(industry="餐饮")
    services.policies_match(today=TODAY)
    assert states("catering_consumption_support")[restaurant.pk] == MatchState.NOTIFIED
    assert Notification.objects.count() == notes


def test_a_cancelled_enterprise_loses_open_offers_but_keeps_a_grant(shipped):
    services.policies_match(today=TODAY)
    salon = shipped.e["salon_181"]
    Enterprise.objects.filter(pk=salon.pk).update(status="cancelled")
    services.policies_match(today=TODAY)
    assert states("individual_business_relief")[salon.pk] == MatchState.EXPIRED
    assert states("new_enterprise_free_seal")[salon.pk] == MatchState.GRANTED


def test_a_policy_past_its_end_expires_its_open_offers(shipped):
    services.policies_match(today=TODAY)
    result = services.policies_match(
        today=dt.date(2027, 1, 5), policy_codes=["unemployment_insurance_refund"]
    )
    assert result["unemployment_insurance_refund"]["eligible"] == 0
    # Granted (免申即享) stays granted; nothing is open on an auto-grant policy.
    assert set(states("unemployment_insurance_refund").values()) == {MatchState.GRANTED}
    services.policies_match(today=dt.date(2027, 7, 1), policy_codes=["catering_consumption_support"])
    assert set(states("catering_consumption_support").values()) == {MatchState.EXPIRED}


def test_one_message_per_representative_and_policy_then_one_per_new_enterprise(shipped):
    rep = shipped.e["restaurant"].legal_representative
    second = enterprise(
        "second_restaurant", shipped, kind="individual", industry="餐饮", legal_representative=rep
    )
    services.policies_match(today=TODAY, policy_codes=["catering_consumption_support"])
    [note] = Notification.objects.filter(person=rep, dedupe_key="policy:catering_consumption_support")
    assert shipped.e["restaurant"].name in note.body and second.name in note.body

    third = enterprise(
        "third_restaurant", shipped, kind="individual", industry="餐饮", legal_representative=rep
    )
    services.policies_match(today=TODAY, policy_codes=["catering_consumption_support"])
    later = Notification.objects.get(person=rep, dedupe_key=f"policy:catering_consumption_support:{third.pk}")
    assert third.name in later.body and second.name not in later.body
    assert Notification.objects.filter(person=rep).count() == 2
    assert states("catering_consumption_support")[third.pk] == MatchState.NOTIFIED


def test_an_enterprise_without_a_representative_is_matched_and_tried_again(shipped):
    orphan = enterprise(
        "orphan_restaurant", shipped, kind="individual", industry="餐饮", legal_representative=None
    )
    result = services.policies_match(today=TODAY, policy_codes=["catering_consumption_support"])
    assert result["catering_consumption_support"]["unreachable"] == 1
    assert states("catering_consumption_support")[orphan.pk] == MatchState.ELIGIBLE


def test_the_frequency_cap_leaves_the_offer_for_the_next_run(shipped, settings):
    settings.YIMEN_NOTIFY_FREQUENCY_CAP = 0
    services.policies_match(today=TODAY, policy_codes=["catering_consumption_support"])
    assert set(states("catering_consumption_support").values()) == {MatchState.ELIGIBLE}
    settings.YIMEN_NOTIFY_FREQUENCY_CAP = 3
    result = services.policies_match(today=TODAY, policy_codes=["catering_consumption_support"])
    assert result["catering_consumption_support"]["notified"] == 2
    assert set(states("catering_consumption_support").values()) == {MatchState.NOTIFIED}


def test_switching_a_policy_to_auto_grant_grants_the_open_offers(shipped):
    from dataclasses import replace

    from yimen.policies.definitions import fixture_read

    services.policies_match(today=TODAY, policy_codes=["culture_tourism_support"])
    spec = next(s for s in fixture_read() if s.code == "culture_tourism_support")
    policy = Policy.objects.get(code=spec.code)
    services.policy_save(spec=replace(spec, auto_grant=True), actor="system", policy=policy)
    services.policies_match(today=TODAY, policy_codes=["culture_tourism_support"])
    agency = shipped.e["travel_agency"]
    assert states("culture_tourism_support")[agency.pk] == MatchState.GRANTED
    assert Notification.objects.filter(
        person=agency.legal_representative, dedupe_key="policy:culture_tourism_support:granted"
    ).exists()


def test_unknown_policy_code_is_refused(shipped):
    from yimen.common.errors import NotFound

    with pytest.raises(NotFound, match="nonexistent"):
        services.policies_match(today=TODAY, policy_codes=["nonexistent"])


def test_the_bulk_insert_path_writes_the_same_matches(shipped, monkeypatch):
    """On PostgreSQL a large first run goes in with COPY; forced here for a small one."""
    from yimen.policies import matching

    monkeypatch.setattr(matching, "COPY_FROM", 1)
    services.policies_match(today=TODAY)
    for code, labels in EXPECTED.items():
        assert set(states(code)) == shipped.eids(*labels)
    match = PolicyMatch.objects.filter(policy__code="catering_consumption_support").first()
    assert match.prefill == {} and match.state == MatchState.NOTIFIED and match.matched_at is not None
