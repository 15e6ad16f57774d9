"""Shapes of the proactive API. Persons go out as the registry API masks them."""

from rest_framework import serializers

from yimen.registry.serializers import PersonMaskedSerializer

__all__ = ["PersonMaskedSerializer"]


class ExpressionSerializer(serializers.Serializer):
    expression = serializers.CharField(max_length=2000, trim_whitespace=True, help_text="目标人群表达式")


class ExportInputSerializer(ExpressionSerializer):
    reason = serializers.CharField(max_length=200, help_text="导出事由（服务项目），至少4个字")
    segment = serializers.IntegerField(required=False, allow_null=True, help_text="已保存的目标人群")
    unmasked = serializers.BooleanField(
        required=False, default=False, help_text="导出完整信息（需查看完整个人信息权限，逐人记录查阅）"
    )


class SegmentInputSerializer(ExpressionSerializer):
    name = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    took_ms = serializers.FloatField()
    expression = serializers.CharField(help_text="规范形式 canonical form (codes)")


class TagSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    rule = serializers.JSONField()
    alive_only = serializers.BooleanField()
    enabled = serializers.BooleanField()
    member_count = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    text = serializers.CharField()
    ok = serializers.BooleanField()
    children = serializers.ListField(child=serializers.DictField())


class PersonTagSerializer(serializers.Serializer):
    code = serializers.CharField(source="tag.code")
    name = serializers.CharField(source="tag.name")
    applies = serializers.BooleanField(source="explanation.matched")
    since = serializers.DateField(allow_null=True, help_text="已记录的起始日期；空表示尚未刷新")
    why = serializers.SerializerMethodField()

    def get_why(self, row) -> dict:
        return row.explanation.reason.as_dict()


class SavedSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    expression = serializers.CharField()
    description = serializers.CharField()
    last_count = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class SegmentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    took_ms = serializers.FloatField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = PersonMaskedSerializer(many=True)
