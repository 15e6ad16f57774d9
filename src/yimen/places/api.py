"""Places REST API (public, read-only): the division tree, boundaries as GeoJSON, point-in-grid, departments."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.places import locator, selectors
from yimen.places.models import Division
from yimen.places.serializers import (
    DepartmentQuerySerializer,
    DepartmentSerializer,
    DivisionDetailSerializer,
    DivisionQuerySerializer,
    DivisionSerializer,
    GridsQuerySerializer,
    LocateQuerySerializer,
    LocationSerializer,
)

Level = Division.Level


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class PublicApi(APIView):
    """Divisions and departments are public information: anyone may read."""

    permission_classes = [AllowAny]


class DivisionListApi(PublicApi):
    """Divisions in code order, without boundaries. `parent` gives direct children (a village's parent is
    its area once grids are generated); `within` gives everything under a division."""

    @extend_schema(
        tags=["places"],
        parameters=[
            OpenApiParameter(
                "level", int, enum=Level.values, description="层级 1 区, 2 镇街, 3 片区, 4 村居, 5 网格"
            ),
            OpenApiParameter("parent", str, description="上级区划代码 parent code (direct children)"),
            OpenApiParameter("within", str, description="所属区划代码 any ancestor's code (whole subtree)"),
            OpenApiParameter("q", str, description="名称包含 name contains"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=DivisionSerializer(many=True),
        summary="行政区划列表 List divisions",
    )
    def get(self, request):
        query = DivisionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.divisions(
            level=query.validated_data.get("level"),
            parent_code=query.validated_data.get("parent"),
            within_code=query.validated_data.get("within"),
            q=query.validated_data.get("q", ""),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DivisionSerializer(page, many=True).data)


class DivisionDetailApi(PublicApi):
    """One division with the chain of its ancestors and its direct children."""

    @extend_schema(
        tags=["places"],
        responses=DivisionDetailSerializer,
        summary="区划详情(含上级与下级) Division with ancestors and children",
    )
    def get(self, request, code: str):
        division = selectors.division_by_code(code)
        context = {"children": selectors.children(division)}
        return Response(DivisionDetailSerializer(division, context=context).data)


class DivisionGeoJsonApi(PublicApi):
    """Boundaries (GeoJSON FeatureCollection, lng/lat) of the division's children, or its own when it has
    none (a grid). Properties: code, name, short_name, level, parent, centroid."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        tags=["places"],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
        summary="区划边界 GeoJSON: the children's boundaries, or its own if it has none",
    )
    def get(self, request, code: str):
        return Response(selectors.division_geojson(selectors.division_by_code(code)))


class GridsGeoJsonApi(PublicApi):
    """Grid boundaries (GeoJSON FeatureCollection) under one village, area or street."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        tags=["places"],
        parameters=[
            OpenApiParameter("village", str, description="村居代码 village/community code"),
            OpenApiParameter("area", str, description="片区代码 area code"),
            OpenApiParameter("street", str, description="镇街代码 street/town code"),
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
        summary="网格边界 GeoJSON: grids of a village, area or street (all grids without a filter)",
    )
    def get(self, request):
        query = GridsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        levels = {"village": Level.VILLAGE, "area": Level.AREA, "street": Level.STREET}
        under = None
        for key, code in query.validated_data.items():
            under = selectors.division_by_code(code, level=levels[key], field=key)
        return Response(selectors.grids_geojson(under))


class LocateApi(PublicApi):
    """The grid, village, area and street a WGS-84 point lies in; 400 with a `location` field error when
    the point is outside the district."""

    @extend_schema(
        tags=["places"],
        parameters=[LocateQuerySerializer],
        responses=LocationSerializer,
        summary="坐标定位到网格 Locate a point: grid, village, area, street",
    )
    def get(self, request):
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        location = locator.locate(query.validated_data["lat"], query.validated_data["lng"])
        return Response(LocationSerializer(location).data)


class DepartmentListApi(PublicApi):
    """District departments (区直部门) and street/town offices (镇街办事处, code JD + street code)."""

    @extend_schema(
        tags=["places"],
        parameters=[
            OpenApiParameter(
                "kind", str, enum=["district", "street_office"], description="区直部门 / 镇街办事处"
            ),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=DepartmentSerializer(many=True),
        summary="部门列表 List departments",
    )
    def get(self, request):
        query = DepartmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.departments(kind=query.validated_data.get("kind"))
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DepartmentSerializer(page, many=True).data)


class DepartmentDetailApi(PublicApi):
    """One department by code (e.g. CGJ, SWJ, JD440604012)."""

    @extend_schema(tags=["places"], responses=DepartmentSerializer, summary="部门详情 Department")
    def get(self, request, code: str):
        return Response(DepartmentSerializer(selectors.department_by_code(code)).data)
