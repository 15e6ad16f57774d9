"""Registry REST API: masked by default, full values through a logged reveal."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.common.errors import NotFound
from yimen.registry import lineage, selectors, services
from yimen.registry.serializers import (
    EnterpriseSerializer,
    FieldLineageSerializer,
    FieldSourceSerializer,
    FullReadSerializer,
    PersonMaskedSerializer,
    RevealInputSerializer,
)


class PersonListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("id_number", str, description="精确查找 exact ID number"),
            OpenApiParameter("name", str, description="姓名(精确) exact name"),
            OpenApiParameter("division", str, description="区划代码 division code (any level)"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=PersonMaskedSerializer(many=True),
        summary="查询自然人(脱敏) Search persons (masked)",
    )
    def get(self, request):
        qs = selectors.persons_search(
            user=request.user,
            name=request.query_params.get("name", ""),
            division_code=request.query_params.get("division", ""),
            id_number=request.query_params.get("id_number", ""),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PersonMaskedSerializer(page, many=True).data)


class PersonDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PersonMaskedSerializer, summary="自然人详情(脱敏) Person (masked)")
    def get(self, request, pk: int):
        return Response(PersonMaskedSerializer(selectors.person_get(user=request.user, pk=pk)).data)


class PersonRevealApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=RevealInputSerializer,
        responses={200: dict},
        summary="查看完整个人信息(留痕) Reveal full values (logged)",
    )
    def post(self, request, pk: int):
        data = RevealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = selectors.person_get(user=request.user, pk=pk)
        values = services.person_reveal(actor=request.user, person=person, **data.validated_data)
        return Response(values, status=status.HTTP_200_OK)


class PersonReadsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=FullReadSerializer(many=True), summary="谁查看了该自然人的数据 Who read this person's data"
    )
    def get(self, request, pk: int):
        person = selectors.person_get(user=request.user, pk=pk)
        reads = selectors.full_reads_of_person(user=request.user, person=person)[:200]
        return Response(FullReadSerializer(reads, many=True).data)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PersonMaskedSerializer, summary="我的数据(脱敏) My record (masked)")
    def get(self, request):
        if not request.user.person_id:
            raise NotFound(_("账号尚未关联自然人库记录，请完成实名核验"))
        return Response(
            PersonMaskedSerializer(selectors.person_get(user=request.user, pk=request.user.person_id)).data
        )


class MyReadsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FullReadSerializer(many=True), summary="谁查看了我的数据 Who read my data")
    def get(self, request):
        if not request.user.person_id:
            raise NotFound(_("账号尚未关联自然人库记录"))
        person = selectors.person_get(user=request.user, pk=request.user.person_id)
        return Response(
            FullReadSerializer(
                selectors.full_reads_of_person(user=request.user, person=person), many=True
            ).data
        )


class PersonSourcesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=FieldSourceSerializer(many=True),
        summary="数据来源：哪些字段来自哪个办件 Which fields came from which case",
    )
    def get(self, request, pk: int):
        person = selectors.person_get(user=request.user, pk=pk)
        rows = selectors.field_sources(person=person).select_related("person")[:200]
        return Response(FieldSourceSerializer(rows, many=True).data)


class MySourcesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=FieldSourceSerializer(many=True), summary="我的数据来自哪些办件 Where my data came from"
    )
    def get(self, request):
        if not request.user.person_id:
            raise NotFound(_("账号尚未关联自然人库记录"))
        person = selectors.person_get(user=request.user, pk=request.user.person_id)
        rows = selectors.field_sources(person=person).select_related("person")[:200]
        return Response(FieldSourceSerializer(rows, many=True).data)


class EnterpriseSourcesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=FieldSourceSerializer(many=True), summary="法人数据来源 Enterprise field sources"
    )
    def get(self, request, pk: int):
        enterprise = selectors.enterprise_get(user=request.user, pk=pk)
        rows = selectors.field_sources(enterprise=enterprise).select_related("enterprise")[:200]
        return Response(FieldSourceSerializer(rows, many=True).data)


class EnterpriseListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("uscc", str),
            OpenApiParameter("q", str, description="名称包含 name contains"),
        ],
        responses=EnterpriseSerializer(many=True),
        summary="查询法人 Search enterprises",
    )
    def get(self, request):
        uscc = request.query_params.get("uscc", "")
        if uscc:
            return Response(
                {"count": 1, "results": [EnterpriseSerializer(selectors.enterprise_by_uscc(uscc=uscc)).data]}
            )
        qs = selectors.enterprises_visible(request.user)
        q = request.query_params.get("q", "").strip()
        if q:
            qs = qs.filter(name__contains=q)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs.order_by("id"), request, view=self)
        return paginator.get_paginated_response(EnterpriseSerializer(page, many=True).data)


class EnterpriseDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=EnterpriseSerializer, summary="法人详情 Enterprise")
    def get(self, request, pk: int):
        return Response(EnterpriseSerializer(selectors.enterprise_get(user=request.user, pk=pk)).data)


class EnterpriseRevealApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=RevealInputSerializer, responses={200: dict}, summary="查看法定代表人完整信息(留痕)"
    )
    def post(self, request, pk: int):
        data = RevealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = selectors.enterprise_get(user=request.user, pk=pk)
        return Response(
            services.enterprise_reveal(actor=request.user, enterprise=enterprise, **data.validated_data)
        )


class PersonLineageApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=FieldLineageSerializer(many=True),
        summary="数据血缘：各字段来自哪个部门的哪条记录 Where each field came from in the fused store",
    )
    def get(self, request, pk: int):
        person = selectors.person_get(user=request.user, pk=pk)
        rows = lineage.lineage_ordered(selectors.field_lineage(person=person), lineage.PERSON_FIELDS)
        return Response(FieldLineageSerializer(rows, many=True, context={"subject": person}).data)


class EnterpriseLineageApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=FieldLineageSerializer(many=True), summary="法人数据血缘 Enterprise field lineage"
    )
    def get(self, request, pk: int):
        enterprise = selectors.enterprise_get(user=request.user, pk=pk)
        rows = lineage.lineage_ordered(
            selectors.field_lineage(enterprise=enterprise), lineage.ENTERPRISE_FIELDS
        )
        return Response(FieldLineageSerializer(rows, many=True, context={"subject": enterprise}).data)
