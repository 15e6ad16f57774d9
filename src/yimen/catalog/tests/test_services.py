import pytest

from yimen.catalog import services
from yimen.catalog.content import version_content
from yimen.catalog.models import ItemVersion, ServiceItem
from yimen.catalog.models.item import VersionStatus
from yimen.catalog.tests.factories import ItemVersionFactory, ServiceItemFactory, UserFactory, department
from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.ledger.models import Entry

CONTENT = {
    "name": "高龄老人津贴申领",
    "kind": "benefit",
    "department": "MZJ",
    "service_object": "natural_person",
    "accept_levels": ["street", "village"],
    "statutory_limit_days": 20,
    "promised_limit_days": 10,
    "visits_required": "0",
    "online_depth": 4,
    "life_stages": ["elderly_care"],
    "materials": [
        {"key": "id_card", "name": "居民身份证", "source": "e_certificate", "source_ref": "居民身份证"}
    ],
}


def published_entries(version):
    return Entry.objects.filter(
        kind="catalog.item_version.published", subject=f"catalog.itemversion:{version.pk}"
    )


class TestCreateDraft:
    def test_copies_the_published_version_with_materials_and_relations(self, published, handler_mzj):
        other = ItemVersionFactory(published=True, department=published.department)
        published.related_items.add(other.item)

        draft = services.item_version_create_draft(item=published.item, actor=handler_mzj)

        assert draft.status == VersionStatus.DRAFT
        assert draft.pk != published.pk
        assert draft.number == published.number + 1
        assert draft.created_by == handler_mzj
        copied, original = version_content(draft), version_content(published)
        assert copied == original
        assert [m.key for m in draft.materials.all()] == ["id_card", "photo"]
        assert {m.pk for m in draft.materials.all()}.isdisjoint({m.pk for m in published.materials.all()})
        published.refresh_from_db()
        assert published.status == VersionStatus.PUBLISHED  # the copy leaves the original alone

    def test_from_a_chosen_older_version(self, published, data_admin):
        older = ItemVersionFactory(item=published.item, number=1, status=VersionStatus.RETIRED, name="旧名称")
        draft = services.item_version_create_draft(item=published.item, from_version=older, actor=data_admin)
        assert draft.name == "旧名称"

    def test_only_one_open_draft_per_item(self, published, handler_mzj):
        services.item_version_create_draft(item=published.item, actor=handler_mzj)
        with pytest.raises(Conflict, match="草稿"):
            services.item_version_create_draft(item=published.item, actor=handler_mzj)

    def test_needs_a_published_version(self, mzj):
        item = ServiceItemFactory()
        with pytest.raises(Conflict):
            services.item_version_create_draft(item=item)

    def test_other_departments_handler_is_refused(self, published, handler_scj):
        with pytest.raises(PermissionDenied):
            services.item_version_create_draft(item=published.item, actor=handler_scj)

    def test_citizen_is_refused(self, published):
        with pytest.raises(PermissionDenied):
            services.item_version_create_draft(item=published.item, actor=UserFactory())


class TestUpdate:
    def test_published_version_is_immutable(self, published, data_admin):
        with pytest.raises(Conflict) as caught:
            services.item_version_update(version=published, data={"name": "改名"}, actor=data_admin)
        assert caught.value.status == 409
        published.refresh_from_db()
        assert published.name == "老年人优待证办理"

    def test_retired_version_is_immutable(self, mzj):
        retired = ItemVersionFactory(retired=True, department=mzj)
        with pytest.raises(Conflict):
            services.item_version_update(version=retired, data={"promised_limit_days": 1})

    def test_draft_fields_materials_and_relations_change(self, published, handler_mzj):
        draft = services.item_version_create_draft(item=published.item, actor=handler_mzj)
        target = ItemVersionFactory(published=True, department=published.department)
        services.item_version_update(
            version=draft,
            data={
                "promised_limit_days": 3,
                "keywords": ["优待证", "敬老卡"],
                "life_stages": ["elderly_care"],
                "related_items": [target.item.implementation_code],
                "materials": [
                    {
                        "key": "id_card",
                        "name": "居民身份证",
                        "source": "e_certificate",
                        "source_ref": "居民身份证",
                    }
                ],
            },
            actor=handler_mzj,
        )
        draft.refresh_from_db()
        assert draft.promised_limit_days == 3
        assert draft.keyword_list == ["优待证", "敬老卡"]
        assert [s.code for s in draft.life_stages.all()] == ["elderly_care"]
        assert list(draft.related_items.all()) == [target.item]
        assert draft.materials.count() == 1
        assert published.materials.count() == 2

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"kind": "licence"}, "kind"),
            ({"promised_limit_days": "five"}, "promised_limit_days"),
            ({"promised_limit_days": 30}, "promised_limit_days"),  # longer than statutory 20
            ({"department": "NOPE"}, "department"),
            ({"life_stages": ["childhood"]}, "life_stages"),
            ({"related_items": ["NOPE"]}, "related_items"),
            ({"materials": [{"key": "Bad Key", "name": "x"}]}, "materials[0].key"),
            ({"form_schema": {"type": "object", "properties": {"a": {"type": "nonsense"}}}}, "form_schema"),
        ],
    )
    def test_bad_values_are_refused_by_field(self, published, data_admin, data, field):
        draft = services.item_version_create_draft(item=published.item, actor=data_admin)
        with pytest.raises(ValidationFailed) as caught:
            services.item_version_update(version=draft, data=data, actor=data_admin)
        assert field in caught.value.errors
        draft.refresh_from_db()
        assert draft.promised_limit_days == published.promised_limit_days

    def test_handler_cannot_move_a_draft_to_another_department(self, published, handler_mzj, scj):
        draft = services.item_version_create_draft(item=published.item, actor=handler_mzj)
        with pytest.raises(PermissionDenied):
            services.item_version_update(version=draft, data={"department": "SCJ"}, actor=handler_mzj)


class TestPublish:
    def test_publish_retires_the_old_version_moves_the_pointer_and_audits(self, published, data_admin):
        draft = services.item_version_create_draft(item=published.item, actor=data_admin)
        services.item_version_update(version=draft, data={"promised_limit_days": 2}, actor=data_admin)

        services.item_version_publish(version=draft, actor=data_admin)

        draft.refresh_from_db()
        published.refresh_from_db()
        item = ServiceItem.objects.get(pk=published.item_id)
        assert draft.status == VersionStatus.PUBLISHED
        assert draft.published_by == data_admin and draft.published_at is not None
        assert published.status == VersionStatus.RETIRED and published.retired_at is not None
        assert item.current_version_id == draft.pk
        assert published_entries(draft).count() == 1
        assert ItemVersion.objects.filter(item=item, status=VersionStatus.PUBLISHED).count() == 1

    def test_publishing_twice_conflicts(self, published, data_admin):
        draft = services.item_version_create_draft(item=published.item, actor=data_admin)
        services.item_version_publish(version=draft, actor=data_admin)
        with pytest.raises(Conflict):
            services.item_version_publish(version=draft, actor=data_admin)
        assert published_entries(draft).count() == 1

    def test_handler_without_publish_capability_is_refused(self, published, handler_mzj):
        draft = services.item_version_create_draft(item=published.item, actor=handler_mzj)
        with pytest.raises(PermissionDenied):
            services.item_version_publish(version=draft, actor=handler_mzj)
        draft.refresh_from_db()
        assert draft.status == VersionStatus.DRAFT

    def test_a_stale_draft_cannot_replace_a_newer_version(self, published, data_admin):
        stale = ItemVersionFactory(
            item=published.item,
            number=published.number - 1 if published.number > 1 else 0,
            department=published.department,
        )
        with pytest.raises(Conflict, match="更新的发布版本"):
            services.item_version_publish(version=stale, actor=data_admin)

    def test_first_version_of_a_new_item(self, mzj):
        draft = services.item_create(
            implementation_code="11440604TEST00001X4000107099000", basic_code="000107099000", content=CONTENT
        )
        services.item_version_publish(version=draft)
        assert (
            ServiceItem.objects.get(implementation_code="11440604TEST00001X4000107099000").current_version
            == draft
        )

    def test_item_create_refuses_a_duplicate_code(self, published):
        with pytest.raises(ValidationFailed) as caught:
            services.item_create(
                implementation_code=published.item.implementation_code,
                basic_code="000107099000",
                content=CONTENT,
            )
        assert "implementation_code" in caught.value.errors


class TestDeleteAndRetire:
    def test_published_versions_cannot_be_deleted(self, published):
        with pytest.raises(Conflict):
            published.delete()
        with pytest.raises(Conflict):
            ItemVersion.objects.filter(pk=published.pk).delete()
        assert ItemVersion.objects.filter(pk=published.pk).exists()

    def test_a_draft_can_be_discarded(self, published, handler_mzj):
        draft = services.item_version_create_draft(item=published.item, actor=handler_mzj)
        services.item_version_discard(version=draft, actor=handler_mzj)
        assert not ItemVersion.objects.filter(pk=draft.pk).exists()
        with pytest.raises(Conflict):
            services.item_version_discard(version=published, actor=handler_mzj)

    def test_retire_withdraws_the_item(self, published, data_admin):
        services.item_retire(item=published.item, actor=data_admin)
        published.refresh_from_db()
        assert published.status == VersionStatus.RETIRED
        assert ServiceItem.objects.get(pk=published.item_id).current_version is None
        assert Entry.objects.filter(kind="catalog.item.retired").count() == 1


class TestThemeSave:
    def test_creates_then_replaces_items_in_order(self, published, data_admin):
        other = ItemVersionFactory(published=True, department=published.department)
        theme = services.theme_save(
            code="elderly",
            name="养老一件事",
            promised_days=5,
            items=[published.item, other.item],
            actor=data_admin,
        )
        assert [ti.item for ti in theme.theme_items.order_by("order")] == [published.item, other.item]
        services.theme_save(
            code="elderly", name="养老一件事", promised_days=3, items=[other.item], actor=data_admin
        )
        theme.refresh_from_db()
        assert theme.promised_days == 3
        assert list(theme.items.all()) == [other.item]
        assert Entry.objects.filter(kind="catalog.theme.saved").count() == 2

    def test_a_handler_cannot_edit_themes(self, published, handler_mzj):
        with pytest.raises(PermissionDenied):
            services.theme_save(
                code="x", name="x", promised_days=1, items=[published.item], actor=handler_mzj
            )

    def test_needs_items(self, data_admin):
        with pytest.raises(ValidationFailed):
            services.theme_save(code="x", name="x", promised_days=1, items=[], actor=data_admin)


def test_department_helper_builds_street_offices(db):
    office = department("JD440604100")
    assert office.kind == "street_office" and office.division.code == "440604100"
