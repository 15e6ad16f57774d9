import datetime as dt

import pytest

from yimen.common.errors import ValidationFailed
from yimen.common.identity import make_id_number
from yimen.registry import services
from yimen.registry.models import Person

pytestmark = pytest.mark.django_db


def test_person_create_derives_gender_and_birth_date(places):
    number = make_id_number("440604", dt.date(1990, 3, 4), 122)
    person = services.person_create(
        id_number=number,
        name=" 陈晓雯 ",
        residence_division=places["peide"],
        hukou_division=places["peide"],
        phone="138 0013 8000",
    )
    assert (person.gender, person.birth_date, person.name) == ("F", dt.date(1990, 3, 4), "陈晓雯")
    assert not person.is_migrant and person.phone == "13800138000"


def test_a_migrant_keeps_the_region_of_the_id_number(places):
    number = make_id_number("450881", dt.date(1995, 6, 1), 11)
    person = services.person_create(id_number=number, name="覃丽", residence_division=places["lanshi"])
    assert person.is_migrant and person.hukou_region == "450881"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id_number": "110105194912310021", "name": "张三"}, "id_number"),
        ({"id_number": "11010519491231002X", "name": "  "}, "name"),
        ({"id_number": "11010519491231002X", "name": "张三", "phone": "12"}, "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(places, kwargs, field):
    with pytest.raises(ValidationFailed) as err:
        services.person_create(**kwargs)
    assert field in err.value.errors
    assert not Person.objects.exists()


def test_duplicate_id_number_refused(places):
    services.person_create(id_number="11010519491231002X", name="张三")
    with pytest.raises(ValidationFailed, match="已在自然人库"):
        services.person_create(id_number="11010519491231002X", name="张三")


def test_enterprise_create_validates_uscc(places):
    with pytest.raises(ValidationFailed) as err:
        services.enterprise_create(
            uscc="91440604MA4UJ7XK80",
            name="x",
            kind="limited",
            division=places["peide"],
            registered_address="x",
            established_date=dt.date(2020, 1, 1),
        )
    assert "uscc" in err.value.errors
