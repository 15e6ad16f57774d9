"""Shapes of the ledger API: query parameters in, proofs and entries out (hashes as standard base64)."""

from rest_framework import serializers


class InclusionQuerySerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0, help_text="记录序号 entry index")
    tree_size = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="树大小，默认最新签名检查点 tree size (default: latest checkpoint)",
    )


class ConsistencyQuerySerializer(serializers.Serializer):
    # `from` is a Python keyword, so the field is declared through the class namespace.
    locals()["from"] = serializers.IntegerField(min_value=1, help_text="旧树大小 older tree size")
    to = serializers.IntegerField(min_value=1, help_text="新树大小 newer tree size")


class EntryFieldsSerializer(serializers.Serializer):
    kind = serializers.CharField()
    subject = serializers.CharField()
    actor = serializers.CharField()
    time = serializers.CharField()
    digest = serializers.CharField()


class EntrySerializer(serializers.Serializer):
    index = serializers.IntegerField()
    entry = serializers.CharField(help_text="规范JSON，叶哈希即对其计算 canonical JSON the leaf hash covers")
    fields = EntryFieldsSerializer()
    leaf_hash = serializers.CharField(help_text="base64(SHA-256(0x00 || entry))")


class InclusionProofSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    proof = serializers.ListField(child=serializers.CharField(), help_text="RFC 9162 inclusion path, base64")


class ConsistencyProofSerializer(serializers.Serializer):
    locals()["from"] = serializers.IntegerField()
    to = serializers.IntegerField()
    proof = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 9162 consistency path, base64"
    )
