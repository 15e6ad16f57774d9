import pytest

from yimen.accounts.models import Role
from yimen.registry.tests.factories import PersonFactory, UserFactory, chancheng, department


@pytest.fixture
def places(db):
    return chancheng()


@pytest.fixture
def residents(places):
    return {
        "peide": PersonFactory(residence_division=places["peide"], hukou_division=places["peide"]),
        "lanshi": PersonFactory(residence_division=places["lanshi"], hukou_division=places["lanshi"]),
    }


@pytest.fixture
def staff(places):
    """Staff with different roles and scopes."""
    mz = department("MZJ", "禅城区民政局")
    hb = department("HBJ", "佛山市生态环境局禅城分局")
    zm_office = department("JD440604012", "祖庙街道办事处", "street_office")
    return {
        "clerk": UserFactory(
            role=Role.WINDOW_CLERK, department=department("ZSJ", "禅城区政务服务数据管理局")
        ),
        "approver_mz": UserFactory(role=Role.APPROVER, department=mz),
        "grid_zumiao": UserFactory(role=Role.GRID_WORKER, department=zm_office, division=places["zumiao"]),
        "handler_hb": UserFactory(role=Role.DEPARTMENT_HANDLER, department=hb, division=places["shiwan"]),
        "auditor": UserFactory(role=Role.AUDITOR),
        "citizen": UserFactory(role=Role.CITIZEN),
    }
