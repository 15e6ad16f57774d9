"""Output serializers (model -> JSON) and the input serializer of draft edits (shape only; the catalog
schema and services check values and rules)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yimen.catalog.models import ItemVersion, LifeStage, Material, Theme
from yimen.catalog.models.item import (
    AcceptLevel,
    ItemKind,
    LimitDayType,
    OnlineDepth,
    ResultType,
    ServiceObject,
    Visits,
)
from yimen.catalog.models.material import MaterialFormat, MaterialSource


class LifeStageSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True, help_text="已发布事项数")

    class Meta:
        model = LifeStage
        fields = ["code", "name", "name_en", "description", "order", "item_count"]


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MaterialSerializer(serializers.ModelSerializer):
    format_display = serializers.CharField(source="get_format_display")
    source_display = serializers.CharField(source="get_source_display")
    reused = serializers.BooleanField(help_text="政府已有，申请人无需提交")

    class Meta:
        model = Material
        fields = [
            "key",
            "name",
            "required",
            "format",
            "format_display",
            "copies",
            "source",
            "source_display",
            "source_ref",
            "notes",
            "reused",
        ]


class ItemSummarySerializer(serializers.ModelSerializer):
    implementation_code = serializers.CharField(source="item.implementation_code")
    basic_code = serializers.CharField(source="item.basic_code")
    kind_display = serializers.CharField(source="get_kind_display")
    department = DepartmentRefSerializer()
    life_stages = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="number")

    class Meta:
        model = ItemVersion
        fields = [
            "implementation_code",
            "basic_code",
            "name",
            "kind",
            "kind_display",
            "department",
            "service_object",
            "life_stages",
            "statutory_limit_days",
            "promised_limit_days",
            "limit_day_type",
            "visits_required",
            "online_depth",
            "result_type",
            "result_name",
            "version",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_life_stages(self, obj: ItemVersion) -> list[str]:
        return [s.code for s in obj.life_stages.all()]


class RelatedItemSerializer(serializers.Serializer):
    implementation_code = serializers.CharField()
    name = serializers.CharField(allow_null=True)


class ItemDetailSerializer(ItemSummarySerializer):
    materials = MaterialSerializer(many=True)
    related_items = serializers.SerializerMethodField()
    keywords = serializers.ListField(source="keyword_list", child=serializers.CharField())
    uploads_required = serializers.SerializerMethodField(
        help_text="申请人仍需提交的必要材料数（政府已有的免提交）"
    )

    class Meta(ItemSummarySerializer.Meta):
        fields = [
            *ItemSummarySerializer.Meta.fields,
            "status",
            "accept_levels",
            "fee",
            "legal_basis",
            "conditions",
            "where_to_go",
            "consult_phone",
            "keywords",
            "materials",
            "uploads_required",
            "related_items",
            "form_schema",
            "published_at",
        ]

    @extend_schema_field(RelatedItemSerializer(many=True))
    def get_related_items(self, obj: ItemVersion) -> list[dict]:
        return [
            {
                "implementation_code": item.implementation_code,
                "name": item.current_version.name if item.current_version_id else None,
            }
            for item in obj.related_items.all()
        ]

    def get_uploads_required(self, obj: ItemVersion) -> int:
        return sum(1 for m in obj.materials.all() if m.required and not m.reused)


class ItemVersionHistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ItemVersion
        fields = ["number", "status", "name", "published_at", "retired_at"]


class DraftSerializer(ItemDetailSerializer):
    """A staff view of any version (usually a draft), addressed by its id."""

    class Meta(ItemDetailSerializer.Meta):
        fields = ["id", *ItemDetailSerializer.Meta.fields, "created_at", "updated_at"]


class DraftListSerializer(ItemSummarySerializer):
    class Meta(ItemSummarySerializer.Meta):
        fields = ["id", *ItemSummarySerializer.Meta.fields, "status", "updated_at"]


class ThemeSerializer(serializers.ModelSerializer):
    life_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_department = DepartmentRefSerializer(allow_null=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Theme
        fields = [
            "code",
            "name",
            "description",
            "life_stage",
            "lead_department",
            "promised_days",
            "item_count",
        ]


class MergedMaterialSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    format = serializers.CharField()
    source = serializers.CharField()
    source_ref = serializers.CharField()
    reused = serializers.BooleanField()
    count = serializers.IntegerField(help_text="需要该材料的事项数")
    items = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_items(self, obj) -> list[str]:
        return [v.item.implementation_code for v in obj.items]


class ThemeDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    promised_days = serializers.IntegerField(source="days_promised", help_text="主题承诺办结时限（工作日）")
    days_summed = serializers.IntegerField(help_text="各事项承诺时限之和")
    materials_before = serializers.IntegerField(help_text="合并前材料数")
    materials_after = serializers.IntegerField(help_text="合并后材料数")
    materials_saved = serializers.IntegerField()
    uploads_after = serializers.IntegerField(help_text="合并后仍需申请人提交的材料数")
    items = ItemSummarySerializer(many=True)
    materials = MergedMaterialSerializer(many=True)


class MaterialInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    required = serializers.BooleanField(required=False)
    format = serializers.ChoiceField(choices=MaterialFormat.choices, required=False)
    copies = serializers.IntegerField(min_value=0, max_value=99, required=False)
    source = serializers.ChoiceField(choices=MaterialSource.choices, required=False)
    source_ref = serializers.CharField(max_length=128, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class DraftUpdateSerializer(serializers.Serializer):
    """Any subset of a draft's fields. References are codes: department, life_stages, related_items."""

    name = serializers.CharField(max_length=128, required=False)
    kind = serializers.ChoiceField(choices=ItemKind.choices, required=False)
    department = serializers.CharField(max_length=32, required=False, help_text="部门代码，如 MZJ")
    service_object = serializers.ChoiceField(choices=ServiceObject.choices, required=False)
    accept_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=AcceptLevel.choices), required=False
    )
    statutory_limit_days = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    promised_limit_days = serializers.IntegerField(min_value=0, required=False)
    limit_day_type = serializers.ChoiceField(choices=LimitDayType.choices, required=False)
    visits_required = serializers.ChoiceField(choices=Visits.choices, required=False)
    online_depth = serializers.ChoiceField(choices=OnlineDepth.choices, required=False)
    fee = serializers.CharField(max_length=200, required=False)
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    conditions = serializers.CharField(required=False, allow_blank=True)
    where_to_go = serializers.CharField(required=False, allow_blank=True)
    consult_phone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    result_type = serializers.ChoiceField(choices=ResultType.choices, required=False)
    result_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    keywords = serializers.ListField(child=serializers.CharField(), required=False)
    life_stages = serializers.ListField(child=serializers.CharField(), required=False)
    related_items = serializers.ListField(child=serializers.CharField(), required=False)
    form_schema = serializers.JSONField(required=False, allow_null=True)
    materials = MaterialInputSerializer(many=True, required=False)
