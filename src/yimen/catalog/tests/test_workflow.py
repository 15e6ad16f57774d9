import itertools

import pytest

from yimen.catalog import workflow
from yimen.catalog.models.item import VersionStatus
from yimen.common.errors import Conflict

STATES = list(VersionStatus.values)
ALLOWED = {(s, t) for s, targets in workflow.ALLOWED_TRANSITIONS.items() for t in targets}


def test_every_state_is_in_the_table():
    assert set(workflow.ALLOWED_TRANSITIONS) == set(STATES)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transitions_pass(current, target):
    workflow.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"), [p for p in itertools.product(STATES, STATES) if p not in ALLOWED]
)
def test_forbidden_transitions_conflict(current, target):
    with pytest.raises(Conflict):
        workflow.check_transition(current, target)


def test_only_drafts_are_editable():
    workflow.check_editable(VersionStatus.DRAFT)
    for status in (VersionStatus.PUBLISHED, VersionStatus.RETIRED):
        with pytest.raises(Conflict, match="不可修改"):
            workflow.check_editable(status)
