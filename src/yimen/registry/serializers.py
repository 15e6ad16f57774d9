"""Output shapes of the registry API. Every personal field goes out masked; full values only through
the logged reveal endpoint."""

from rest_framework import serializers

from yimen.common.masking import mask_address, mask_id_number, mask_name, mask_phone
from yimen.registry import lineage
from yimen.registry.models import Enterprise, FieldLineage, FieldSource, FullRead, Person


class DivisionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PersonMaskedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.SerializerMethodField(help_text="脱敏 masked, e.g. 440604********1234")
    name = serializers.SerializerMethodField(help_text="脱敏 masked, e.g. 张*明")
    gender = serializers.CharField()
    birth_date = serializers.SerializerMethodField(help_text="年份可见 year only, e.g. 1990-**-**")
    phone = serializers.SerializerMethodField()
    residence_division = DivisionRefSerializer(allow_null=True)
    residence_address = serializers.SerializerMethodField()
    household_number = serializers.SerializerMethodField()
    household_role = serializers.CharField()
    is_migrant = serializers.BooleanField()
    status = serializers.CharField()

    def get_id_number(self, obj: Person) -> str:
        return mask_id_number(obj.id_number)

    def get_name(self, obj: Person) -> str:
        return mask_name(obj.name)

    def get_birth_date(self, obj: Person) -> str:
        return f"{obj.birth_date.year}-**-**"

    def get_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)

    def get_residence_address(self, obj: Person) -> str:
        return mask_address(obj.residence_address)

    def get_household_number(self, obj: Person) -> str:
        return mask_id_number(obj.household.number) if obj.household_id else ""


class EnterpriseSerializer(serializers.Serializer):
    """Enterprise identity is public; the legal representative's personal data is masked."""

    id = serializers.IntegerField()
    uscc = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    industry = serializers.CharField()
    status = serializers.CharField()
    established_date = serializers.DateField()
    registered_address = serializers.CharField()
    registered_capital = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    division = DivisionRefSerializer()
    legal_rep_name = serializers.SerializerMethodField()
    legal_rep_id_number = serializers.SerializerMethodField()

    def get_legal_rep_name(self, obj: Enterprise) -> str:
        rep = obj.legal_representative
        return mask_name(rep.name) if rep else ""

    def get_legal_rep_id_number(self, obj: Enterprise) -> str:
        rep = obj.legal_representative
        return mask_id_number(rep.id_number) if rep else ""


class RevealInputSerializer(serializers.Serializer):
    fields = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    reason = serializers.CharField(max_length=200)


class FullReadSerializer(serializers.ModelSerializer):
    reader = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()

    class Meta:
        model = FullRead
        fields = ["at", "reader", "department", "fields", "reason", "ledger_index"]

    def get_reader(self, obj: FullRead) -> str:
        return mask_name(obj.actor.full_name or obj.actor.username)

    def get_department(self, obj: FullRead) -> str:
        return obj.actor.department.name if obj.actor.department_id else ""


_MASKS = {"phone": mask_phone, "residence_address": mask_address}


def field_label(row: FieldSource) -> str:
    return row.get_field_label()


def current_masked(row: FieldSource, subject) -> str:
    """The field's current value as anyone may see it: personal fields masked."""
    value = str(getattr(subject, row.field, "") or "")
    if row.person_id:
        return _MASKS.get(row.field, mask_address)(value)
    return value  # enterprise registration data is public (工商公示)


class FieldSourceSerializer(serializers.ModelSerializer):
    """Which field came from which case (数据沉淀). No values: the replaced one is only a digest inside
    the record and is not sent; the current one is masked."""

    label = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField(help_text="当前值(脱敏) current value, masked")
    case_id = serializers.SerializerMethodField()
    case_number = serializers.CharField(source="source_label")

    class Meta:
        model = FieldSource
        fields = ["field", "label", "current", "source", "case_id", "case_number", "at", "ledger_index"]

    def get_label(self, obj: FieldSource) -> str:
        return field_label(obj)

    def get_current(self, obj: FieldSource) -> str:
        return current_masked(obj, obj.person if obj.person_id else obj.enterprise)

    def get_case_id(self, obj: FieldSource) -> int | None:
        kind, _, ref = obj.source.partition(":")
        return int(ref) if kind == "cases.case" and ref.isdigit() else None


class FieldLineageSerializer(serializers.ModelSerializer):
    """Where a field's value came from in the fused store (数据血缘). Pass the subject as
    `context["subject"]`. No values: the loaded one is only a digest inside the record and is not sent; the
    current one is masked. `current` is false when the registry value was replaced after the load (by a
    case's 数据沉淀 or an administrator)."""

    label = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField(help_text="当前值(脱敏) current value, masked")
    replaced = serializers.SerializerMethodField(
        help_text="加载后已被办件或管理员更新 replaced since the load"
    )
    derived_from = serializers.CharField(read_only=True)
    run = serializers.IntegerField(source="run_id")

    class Meta:
        model = FieldLineage
        fields = [
            "field",
            "label",
            "current",
            "replaced",
            "source",
            "derived_from",
            "department",
            "record_id",
            "as_of",
            "conflicts",
            "run",
            "loaded_at",
        ]

    def get_label(self, obj: FieldLineage) -> str:
        return obj.get_field_label()

    def get_current(self, obj: FieldLineage) -> str:
        return lineage.masked_value(self.context["subject"], obj.field)

    def get_replaced(self, obj: FieldLineage) -> bool:
        return not lineage.is_current(obj, self.context["subject"])
