from yimen.accounts import roles
from yimen.accounts.models import Role


def test_every_role_has_a_capability_row():
    assert set(roles.ROLE_CAPABILITIES) == set(Role.values)


def test_citizens_have_no_staff_capabilities():
    assert roles.ROLE_CAPABILITIES[Role.CITIZEN] == frozenset()
    assert not roles.role_can(Role.CITIZEN, roles.PERSON_VIEW)


def test_only_some_roles_may_read_full_personal_data():
    readers = {r for r in Role.values if roles.role_can(r, roles.PERSON_READ_FULL)}
    assert readers == {Role.WINDOW_CLERK, Role.APPROVER, Role.DATA_ADMIN}
