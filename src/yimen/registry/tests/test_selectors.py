"""`person_identify`: a clerk finds anyone by exact ID number; the intake's row-only read (`places=False`,
a prepared statement on PostgreSQL) gives the same person as the ORM's read."""

import pytest
from django.forms.models import model_to_dict

from yimen.common.errors import NotFound, PermissionDenied
from yimen.registry import selectors
from yimen.registry.models import Person


def test_the_row_only_read_is_the_orm_row(staff, residents):
    person = residents["lanshi"]
    found = selectors.person_identify(user=staff["clerk"], id_number=person.id_number.lower(), places=False)
    stored = Person.objects.get(pk=person.pk)
    assert model_to_dict(found) == model_to_dict(stored)
    assert (found.created_at, found.updated_at) == (stored.created_at, stored.updated_at)
    assert not found._state.adding and found._state.db == stored._state.db
    with_places = selectors.person_identify(user=staff["clerk"], id_number=person.id_number)
    assert with_places == found and with_places.residence_division.name


def test_unknown_number_and_missing_permission(staff, residents):
    with pytest.raises(NotFound) as exc:
        selectors.person_identify(user=staff["clerk"], id_number="440604195003011235", places=False)
    assert "id_number" in exc.value.errors
    with pytest.raises(PermissionDenied):
        selectors.person_identify(user=staff["citizen"], id_number=residents["peide"].id_number, places=False)


def test_person_columns_need_no_conversion_from_the_database():
    """The intake reads the person as a raw row (`from_db`): a field with its own conversion would come
    back unconverted, so adding one must change `_person_by_id_number` too."""
    from yimen.registry.models import Person

    assert not [f.name for f in Person._meta.concrete_fields if hasattr(f, "from_db_value")]
