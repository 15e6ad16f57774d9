import itertools

import pytest

from yimen.common.errors import Conflict
from yimen.events import workflow
from yimen.events.workflow import ALLOWED_TRANSITIONS, Status

ALLOWED = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
PAIRS = list(itertools.product(Status.values, Status.values))


def test_the_table_names_every_state():
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert all(set(t) <= set(Status.values) for t in ALLOWED_TRANSITIONS.values())


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_is_allowed_or_refused_with_409(current, target):
    if (current, target) in ALLOWED:
        workflow.check_transition(current, target)
        assert workflow.is_allowed(current, target)
    else:
        with pytest.raises(Conflict) as caught:
            workflow.check_transition(current, target)
        assert caught.value.status == 409 and "status" in caught.value.errors


def test_rejected_is_final_and_closed_only_reopens():
    assert ALLOWED_TRANSITIONS[Status.REJECTED] == frozenset()
    assert ALLOWED_TRANSITIONS[Status.CLOSED] == {Status.DISPATCHED}


def test_every_state_is_reachable_from_reported():
    seen, frontier = {Status.REPORTED}, [Status.REPORTED]
    while frontier:
        for nxt in ALLOWED_TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Status.values)
