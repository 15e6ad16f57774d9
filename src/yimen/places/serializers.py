"""Input and output shapes of the places API. Divisions and departments are public information."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from yimen.places.models import Department, Division


class DivisionBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(help_text="简称, e.g. 澜石社区")
    level = serializers.IntegerField(
        help_text="1 区 district, 2 镇街 street/town, 3 片区 area, 4 村居 village, 5 网格 grid"
    )
    level_label = serializers.CharField(source="get_level_display")


class DivisionSerializer(DivisionBriefSerializer):
    parent = serializers.SerializerMethodField()
    path = serializers.CharField()
    centroid = serializers.SerializerMethodField(help_text="[lng, lat], a point inside the division")

    def get_parent(self, obj: Division) -> str | None:
        return obj.parent.code if obj.parent_id else None

    def get_centroid(self, obj: Division) -> list[float] | None:
        if obj.centroid_lat is None:
            return None
        return [obj.centroid_lng, obj.centroid_lat]


class DivisionDetailSerializer(DivisionSerializer):
    ancestors = serializers.SerializerMethodField(help_text="从区到上级 from the district down to the parent")
    children = serializers.SerializerMethodField()

    def get_ancestors(self, obj: Division) -> list[dict]:
        chain = [d for d in obj.ancestors() if d.pk != obj.pk]
        return DivisionBriefSerializer(chain, many=True).data

    def get_children(self, obj: Division) -> list[dict]:
        return DivisionBriefSerializer(self.context["children"], many=True).data


class DivisionQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Division.Level.values, required=False)
    parent = serializers.CharField(required=False, max_length=20)
    within = serializers.CharField(required=False, max_length=20)
    q = serializers.CharField(required=False, allow_blank=True, max_length=64)


class GridsQuerySerializer(serializers.Serializer):
    village = serializers.CharField(required=False, max_length=20)
    area = serializers.CharField(required=False, max_length=20)
    street = serializers.CharField(required=False, max_length=20)

    def validate(self, attrs):
        if len(attrs) > 1:
            raise serializers.ValidationError(_("village、area、street 只能给一个"))
        return attrs


class LocateQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="纬度 latitude (WGS-84)")
    lng = serializers.FloatField(min_value=-180, max_value=180, help_text="经度 longitude (WGS-84)")


class LocationSerializer(serializers.Serializer):
    grid = serializers.SerializerMethodField()
    village = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    street = serializers.SerializerMethodField()

    def get_grid(self, obj) -> dict:
        return {"id": obj.grid_id, "code": obj.grid_code, "name": obj.grid_name}

    def get_village(self, obj) -> dict:
        return {"id": obj.village_id, "code": obj.village_code, "name": obj.village_name}

    def get_area(self, obj) -> dict | None:
        return {"id": obj.area_id, "code": obj.area_code, "name": obj.area_name} if obj.area_code else None

    def get_street(self, obj) -> dict:
        return {"id": obj.street_id, "code": obj.street_code, "name": obj.street_name}


class DepartmentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    division = serializers.CharField(source="division.code")
    division_name = serializers.CharField(source="division.name")

    class Meta:
        model = Department
        fields = ["code", "name", "kind", "kind_label", "division", "division_name", "phone", "address"]


class DepartmentQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Department.Kind.values, required=False)
