"""The transition table walked exhaustively: every status x every action, through the services.
An allowed pair moves the case and appends history and a ledger entry; a forbidden pair raises 409
and changes nothing (status, history, ledger)."""

import itertools

import pytest

from yimen.cases import services, workflow
from yimen.cases.models import Case, Status, StatusChange
from yimen.cases.tests.factories import case_in
from yimen.common.errors import Conflict
from yimen.ledger import selectors as ledger

EXPECTED = {
    ("submitted", "accept"): "accepted",
    ("submitted", "request_correction"): "correction",
    ("submitted", "refuse"): "refused",
    ("submitted", "withdraw"): "withdrawn",
    ("correction", "resubmit"): "submitted",
    ("correction", "withdraw"): "withdrawn",
    ("accepted", "approve"): "approved",
    ("accepted", "reject"): "rejected",
    ("accepted", "request_correction"): "suspended",
    ("accepted", "withdraw"): "withdrawn",
    ("suspended", "resubmit"): "accepted",
    ("suspended", "withdraw"): "withdrawn",
    ("approved", "deliver"): "delivered",
}
PAIRS = list(itertools.product(Status.values, workflow.ACTIONS))


def test_table_is_exactly_the_documented_one():
    table = {(s, a): t for s, actions in workflow.ALLOWED_TRANSITIONS.items() for a, t in actions.items()}
    assert table == EXPECTED
    assert set(workflow.ALLOWED_TRANSITIONS) == set(Status.values)
    assert {"refused", "rejected", "delivered", "withdrawn"} == workflow.FINAL


@pytest.mark.parametrize(("status", "action"), PAIRS)
def test_check_transition_pair(status, action):
    if (status, action) in EXPECTED:
        assert workflow.check_transition(status, action) == EXPECTED[(status, action)]
    else:
        with pytest.raises(Conflict) as exc:
            workflow.check_transition(status, action)
        assert exc.value.status == 409


def _act(world, case: Case, action: str) -> None:
    clerk, approver, citizen = world.users["clerk"], world.users["approver_mz"], world.users["citizen"]
    if action == "accept":
        services.case_accept(case=case, actor=clerk, paper=["photo"])
    elif action == "request_correction":
        actor = approver if case.status == Status.ACCEPTED else clerk
        services.case_request_correction(case=case, actor=actor, missing=["photo"])
    elif action == "resubmit":
        services.case_resubmit(case=case, actor=clerk, materials={"photo": {"paper": True}})
    elif action == "refuse":
        services.case_refuse(case=case, actor=clerk, reason="不符合条件")
    elif action == "approve":
        if case.status == Status.ACCEPTED:
            services.case_step_complete(case=case, actor=approver)
        services.case_approve(case=case, actor=approver, opinion="同意")
    elif action == "reject":
        if case.status == Status.ACCEPTED:
            services.case_step_complete(case=case, actor=approver)
        services.case_reject(case=case, actor=approver, reason="不符合条件")
    elif action == "deliver":
        services.case_deliver(case=case, actor=clerk, method="pickup")
    elif action == "withdraw":
        services.case_withdraw(case=case, actor=citizen, reason="不需要了")
    else:
        raise AssertionError(action)


@pytest.mark.parametrize(("status", "action"), PAIRS)
def test_service_walk(world, status, action):
    case = case_in(world, status)
    history = StatusChange.objects.filter(case=case).count()
    size = ledger.log_size()
    if (status, action) in EXPECTED:
        _act(world, case, action)
        case.refresh_from_db()
        assert case.status == EXPECTED[(status, action)]
        last = StatusChange.objects.filter(case=case).order_by("-id").first()
        assert (last.from_status, last.to_status) == (status, case.status)
        assert StatusChange.objects.filter(case=case).count() == history + 1
        assert ledger.entry_get(index=last.ledger_index).kind == f"cases.case.{action}"
    else:
        with pytest.raises(Conflict):
            _act(world, Case.objects.get(pk=case.pk), action)
        case.refresh_from_db()
        assert case.status == status
        assert StatusChange.objects.filter(case=case).count() == history
        assert ledger.log_size() == size


def test_history_is_append_only(world):
    case = case_in(world, Status.ACCEPTED)
    row = case.history.first()
    row.note = "rewritten"
    with pytest.raises(Conflict):
        row.save()
    with pytest.raises(Conflict):
        row.delete()
    assert [h.to_status for h in case.history.all()] == ["submitted", "accepted"]
