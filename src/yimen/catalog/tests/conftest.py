import pytest

from yimen.catalog.tests.factories import (
    ItemVersionFactory,
    MaterialFactory,
    UserFactory,
    department,
)


@pytest.fixture
def mzj(db):
    return department("MZJ")


@pytest.fixture
def scj(db):
    return department("SCJ")


@pytest.fixture
def handler_mzj(mzj):
    """A department handler of 民政局: may view and edit its drafts, may not publish."""
    return UserFactory(handler=True, department=mzj)


@pytest.fixture
def handler_scj(scj):
    return UserFactory(handler=True, department=scj)


@pytest.fixture
def data_admin(db):
    """政数局 data administrator: edits and publishes every department's items."""
    return UserFactory(data_admin=True)


@pytest.fixture
def published(mzj):
    """老年人优待证办理, published, with two materials (one reused from government data)."""
    version = ItemVersionFactory(
        published=True,
        name="老年人优待证办理",
        department=mzj,
        result_type="certificate",
        result_name="老年人优待证",
        keywords="优待证,老人证",
        life_stages=["elderly_care", "retirement"],
    )
    MaterialFactory(
        version=version, key="id_card", name="居民身份证", source="e_certificate", source_ref="居民身份证"
    )
    MaterialFactory(version=version, key="photo", name="近期免冠照片", format="paper_original", copies=2)
    return version
