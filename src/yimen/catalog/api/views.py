"""Thin API views: read through selectors, write through services, domain errors mapped by the shared
exception handler (400/403/404/409)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.accounts.roles import CATALOG_VIEW_DRAFTS
from yimen.catalog import selectors, services
from yimen.catalog.api.serializers import (
    DraftListSerializer,
    DraftSerializer,
    DraftUpdateSerializer,
    ItemDetailSerializer,
    ItemSummarySerializer,
    ItemVersionHistorySerializer,
    LifeStageSerializer,
    ThemeDetailSerializer,
    ThemeSerializer,
)
from yimen.catalog.models import ServiceItem
from yimen.common.errors import NotFound

TAGS = ["catalog 事项目录"]
STAFF_TAGS = ["catalog staff 事项管理"]


class CanViewDrafts(permissions.BasePermission):
    message = _("需要登录，并具有查看事项草稿的权限。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.can(CATALOG_VIEW_DRAFTS))


@extend_schema(
    tags=TAGS,
    summary="已发布事项列表",
    parameters=[
        OpenApiParameter("life_stage", str, description="人生阶段代码，如 birth"),
        OpenApiParameter("department", str, description="实施部门代码，如 MZJ"),
        OpenApiParameter("q", str, description="搜索词（名称优先，其次关键词、受理条件）"),
    ],
)
class ItemListView(generics.ListAPIView):
    serializer_class = ItemSummarySerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.items_published(
            life_stage=params.get("life_stage") or None,
            department=params.get("department") or None,
            q=params.get("q") or None,
        )


@extend_schema(tags=TAGS, summary="事项办事指南（当前发布版本，含申请材料）", responses=ItemDetailSerializer)
class ItemDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request, implementation_code: str) -> Response:
        return Response(ItemDetailSerializer(selectors.item_current(implementation_code)).data)


@extend_schema(
    tags=TAGS, summary="事项版本历史（已发布与已停用）", responses=ItemVersionHistorySerializer(many=True)
)
class ItemVersionListView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request, implementation_code: str) -> Response:
        versions = selectors.item_versions(implementation_code)
        return Response(ItemVersionHistorySerializer(versions, many=True).data)


@extend_schema(
    tags=STAFF_TAGS, summary="基于当前发布版本新建草稿", request=None, responses={201: DraftSerializer}
)
class ItemDraftCreateView(APIView):
    permission_classes = [CanViewDrafts]

    def post(self, request: Request, implementation_code: str) -> Response:
        item = ServiceItem.objects.filter(implementation_code=implementation_code).first()
        if item is None:
            raise NotFound(gettext("事项 %(code)s 不存在。") % {"code": implementation_code})
        draft = services.item_version_create_draft(item=item, actor=request.user)
        return Response(
            DraftSerializer(selectors.item_version_for(request.user, draft.pk)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=TAGS, summary="人生阶段", responses=LifeStageSerializer(many=True))
class LifeStageListView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        return Response(LifeStageSerializer(selectors.life_stages(), many=True).data)


@extend_schema(tags=TAGS, summary="主题办列表", responses=ThemeSerializer(many=True))
class ThemeListView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        return Response(ThemeSerializer(selectors.themes(), many=True).data)


@extend_schema(tags=TAGS, summary="主题详情（含合并后的材料清单与时限）", responses=ThemeDetailSerializer)
class ThemeDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request, code: str) -> Response:
        return Response(ThemeDetailSerializer(selectors.theme_detail(code)).data)


@extend_schema(tags=STAFF_TAGS, summary="本部门的事项草稿")
class DraftListView(generics.ListAPIView):
    serializer_class = DraftListSerializer
    permission_classes = [CanViewDrafts]

    def get_queryset(self):
        return selectors.item_drafts_for(self.request.user).prefetch_related("life_stages")


class DraftDetailView(APIView):
    permission_classes = [CanViewDrafts]

    @extend_schema(tags=STAFF_TAGS, summary="查看事项版本（本部门范围内）", responses=DraftSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(DraftSerializer(selectors.item_version_for(request.user, pk)).data)

    @extend_schema(
        tags=STAFF_TAGS,
        summary="修改草稿（已发布版本不可修改：409）",
        request=DraftUpdateSerializer,
        responses=DraftSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        version = selectors.item_version_for(request.user, pk)
        data = DraftUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.item_version_update(version=version, data=data.validated_data, actor=request.user)
        return Response(DraftSerializer(selectors.item_version_for(request.user, pk)).data)


@extend_schema(
    tags=STAFF_TAGS, summary="发布草稿（需发布权限；已发布：409）", request=None, responses=DraftSerializer
)
class DraftPublishView(APIView):
    permission_classes = [CanViewDrafts]

    def post(self, request: Request, pk: int) -> Response:
        version = selectors.item_version_for(request.user, pk)
        services.item_version_publish(version=version, actor=request.user)
        return Response(DraftSerializer(selectors.item_version_for(request.user, pk)).data)
