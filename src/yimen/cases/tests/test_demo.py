"""The demo loader's cases: made through the services, spread over every state, loaded once."""

from yimen.accounts.models import Role
from yimen.cases.models import Case, StatusChange
from yimen.demo import cases as demo_cases
from yimen.registry.tests.factories import PersonFactory, UserFactory


def test_demo_cases_cover_the_states_and_load_once(world, monkeypatch):
    for username in ("clerk", "approver_mz", "approver_sc"):
        role = Role.WINDOW_CLERK if username == "clerk" else Role.APPROVER
        base = world.users["clerk" if username == "clerk" else username]
        UserFactory(username=username, role=role, department=base.department)
    for _ in range(5):
        PersonFactory(residence_division=world.places["peide"])
    monkeypatch.setitem(demo_cases.CASES, "small", 60)
    result = demo_cases.demo_cases_load(scale="small", seed=1)
    assert result["cases"] >= 50 and not result["already"]
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "approved", "delivered", "refused"} <= statuses
    # Every case has its history, and timestamps agree with the simulated clock.
    for case in Case.objects.all()[:20]:
        history = list(StatusChange.objects.filter(case=case))
        assert history[0].to_status == "submitted" and history[-1].to_status == case.status
        assert history[0].at == case.submitted_at and all(h.ledger_index is not None for h in history)
    assert demo_cases.demo_cases_load(scale="small", seed=1)["already"] is True
