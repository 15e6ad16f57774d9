"""Proactive REST API (/api/proactive/): tags, a person's tags with why, target-group count, masked
list, logged CSV export, saved segments. Thin: input serializer -> selector/service -> output."""

from __future__ import annotations

import csv

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.common.errors import NotFound, ValidationFailed
from yimen.proactive import segments, selectors, services
from yimen.proactive.models import SavedSegment
from yimen.proactive.serializers import (
    CountSerializer,
    ExportInputSerializer,
    ExpressionSerializer,
    PersonMaskedSerializer,
    PersonTagSerializer,
    SavedSegmentSerializer,
    SegmentInputSerializer,
    SegmentPageSerializer,
    TagSerializer,
)


class _Echo:
    def write(self, value):
        return value


def csv_response(*, user, ids, filename: str, unmasked: bool = False) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM: spreadsheet programs then read the UTF-8 Chinese correctly
        for row in selectors.export_rows(user=user, ids=ids, unmasked=unmasked):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TagListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TagSerializer(many=True), summary="标签库 Tag library")
    def get(self, request):
        rows = selectors.tags_library(request.user)
        return Response(TagSerializer([r["tag"] for r in rows], many=True).data)


class PersonTagsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("all", bool, description="列出全部启用标签（含不适用的）")],
        responses=PersonTagSerializer(many=True),
        summary="自然人的标签及原因 A person's tags and why they apply",
    )
    def get(self, request, pk: int):
        _person, rows = selectors.person_tags(
            user=request.user, pk=pk, all_tags=request.query_params.get("all") in ("1", "true")
        )
        return Response(PersonTagSerializer(rows, many=True).data)


class SegmentCountApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ExpressionSerializer, responses=CountSerializer, summary="目标人群计数 Segment count"
    )
    def post(self, request):
        data = ExpressionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = selectors.segment_count(user=request.user, expression=data.validated_data["expression"])
        return Response(
            {"count": result.count, "took_ms": result.took_ms, "expression": segments.to_text(result.tree)}
        )


class SegmentListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("expression", str, required=True), OpenApiParameter("page", int)],
        responses=SegmentPageSerializer,
        summary="目标人群名单(脱敏) Segment members (masked, paginated)",
    )
    def get(self, request):
        try:
            page = int(request.query_params.get("page", "1"))
        except ValueError:
            raise ValidationFailed(_("页码应为整数"), field="page") from None
        result, persons, pages = selectors.segment_page(
            user=request.user, expression=request.query_params.get("expression", ""), page=page
        )
        return Response(
            {
                "count": result.count,
                "took_ms": result.took_ms,
                "page": page,
                "pages": pages,
                "page_size": selectors.PAGE_SIZE,
                "results": PersonMaskedSerializer(persons, many=True).data,
            }
        )


class SegmentExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ExportInputSerializer,
        responses={(200, "text/csv"): bytes},
        summary="导出目标人群名单(默认脱敏；完整信息逐人留痕) Export a segment (masked CSV, or unmasked with a logged full read per person)",
    )
    def post(self, request):
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = None
        if data.validated_data.get("segment"):
            segment = SavedSegment.objects.filter(
                pk=data.validated_data["segment"], owner=request.user
            ).first()
            if segment is None:
                raise NotFound(_("未找到该目标人群"), field="segment")
        row, ids = services.segment_export(
            actor=request.user,
            expression=data.validated_data["expression"],
            reason=data.validated_data["reason"],
            segment=segment,
            unmasked=data.validated_data["unmasked"],
        )
        response = csv_response(
            user=request.user, ids=ids, filename=f"segment-export-{row.pk}.csv", unmasked=row.unmasked
        )
        response["X-Export-Id"] = str(row.pk)
        response["X-Export-Count"] = str(row.count)
        return response


class SavedSegmentListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SavedSegmentSerializer(many=True), summary="我的目标人群 My saved segments")
    def get(self, request):
        return Response(SavedSegmentSerializer(selectors.segments_saved(request.user), many=True).data)

    @extend_schema(request=SegmentInputSerializer, responses=SavedSegmentSerializer, summary="保存目标人群")
    def post(self, request):
        data = SegmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = services.segment_save(actor=request.user, **data.validated_data)
        return Response(SavedSegmentSerializer(segment).data, status=status.HTTP_201_CREATED)
