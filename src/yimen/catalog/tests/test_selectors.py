"""`item_for_intake`, read on every case submission: one statement for the item's current version, the
version itself from a per-process cache of published versions. A cached version never outlives its
publication: a new version, a retired item or an unknown code is seen on the next call."""

import pytest

from yimen.catalog import selectors, services
from yimen.catalog.tests.factories import ItemVersionFactory, MaterialFactory
from yimen.common.errors import NotFound


@pytest.fixture
def published(mzj):
    version = ItemVersionFactory(published=True, department=mzj)
    MaterialFactory(version=version, key="id_card", name="居民身份证")
    return version


def test_the_published_version_with_what_intake_reads(published, django_assert_max_num_queries):
    code = published.item.implementation_code
    first = selectors.item_for_intake(code)
    assert first.pk == published.pk and first.item.implementation_code == code
    with django_assert_max_num_queries(1):  # cached: the current-version statement only
        again = selectors.item_for_intake(code)
        assert again is first
        assert [m.key for m in again.materials.all()] == ["id_card"]
        assert again.department.code == "MZJ"


def test_a_new_publication_replaces_the_cached_version(published):
    code = published.item.implementation_code
    assert selectors.item_for_intake(code).pk == published.pk
    draft = services.item_version_create_draft(item=published.item)
    services.item_version_publish(version=draft)
    current = selectors.item_for_intake(code)
    assert current.pk == draft.pk and current.number == published.number + 1


def test_a_retired_item_or_an_unknown_code_is_not_found(published):
    code = published.item.implementation_code
    selectors.item_for_intake(code)  # cached
    services.item_retire(item=published.item)
    with pytest.raises(NotFound):
        selectors.item_for_intake(code)
    with pytest.raises(NotFound):
        selectors.item_for_intake("NO-SUCH-ITEM")


def test_a_draft_is_not_offered(mzj):
    draft = ItemVersionFactory(department=mzj)
    with pytest.raises(NotFound):
        selectors.item_for_intake(draft.item.implementation_code)
