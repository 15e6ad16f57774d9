"""The notify REST API (mounted at /api/notify/): input serializer -> service -> output serializer.

Citizens: their notifications (newest first), mark read, preferences. Staff holding
`notify.campaign.manage`: templates, campaigns (create, start, progress and statistics). A campaign
to no one or over the limit answers 409 `confirmation_required` until it is resent with confirm=true.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers as drf
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.notify import selectors, serializers, services
from yimen.notify.models import Template
from yimen.notify.policy import default_quiet
from yimen.notify.services.campaigns import require_manager

TAGS = ["notify"]


class NotificationListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="我的提醒 My notifications",
        parameters=[
            OpenApiParameter("unread", bool),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=serializers.NotificationOut(many=True),
    )
    def get(self, request):
        qs = selectors.notifications_of(request.user)
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        response = paginator.get_paginated_response(serializers.NotificationOut(page, many=True).data)
        response.data["unread"] = selectors.unread_count(request.user)
        return response


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="标为已读 Mark read", request=None, responses=serializers.NotificationOut
    )
    def post(self, request, pk: int):
        note = services.notification_mark_read(notification_id=pk, actor=request.user)
        return Response(serializers.NotificationOut(note).data)


class ReadAllOut(drf.Serializer):
    marked = drf.IntegerField()


class NotificationReadAllApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="全部标为已读 Mark all read", request=None, responses=ReadAllOut)
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})


class PreferenceOut(serializers.PreferenceIO):
    default_quiet_hours = drf.SerializerMethodField()

    class Meta(serializers.PreferenceIO.Meta):
        fields = [*serializers.PreferenceIO.Meta.fields, "default_quiet_hours"]

    @extend_schema_field(drf.CharField())
    def get_default_quiet_hours(self, obj) -> str:
        quiet = default_quiet()
        return f"{quiet[0]:%H:%M}-{quiet[1]:%H:%M}" if quiet else ""


class PreferenceApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="提醒设置 My notification preferences", responses=PreferenceOut)
    def get(self, request):
        return Response(PreferenceOut(services.preference_get(actor=request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="修改提醒设置 Change preferences",
        request=serializers.PreferenceIO,
        responses=PreferenceOut,
    )
    def put(self, request):
        data = serializers.PreferenceIO(data=request.data)
        data.is_valid(raise_exception=True)
        pref = services.preference_update(actor=request.user, **data.validated_data)
        return Response(PreferenceOut(pref).data)


class TemplateListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="消息模板 Message templates", responses=serializers.TemplateOut(many=True)
    )
    def get(self, request):
        require_manager(request.user)
        return Response(serializers.TemplateOut(Template.objects.order_by("code"), many=True).data)


class CampaignListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="推送活动 Campaigns",
        parameters=[OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
        responses=serializers.CampaignOut(many=True),
    )
    def get(self, request):
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(selectors.campaigns_visible(request.user), request, view=self)
        return paginator.get_paginated_response(serializers.CampaignOut(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="创建推送活动 Create a campaign",
        description="409 confirmation_required: no recipient, or more than the limit; resend with confirm=true.",
        request=serializers.CampaignIn,
        responses={201: serializers.CampaignDetailOut},
    )
    def post(self, request):
        data = serializers.CampaignIn(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(actor=request.user, **data.validated_data)
        return Response(serializers.CampaignDetailOut(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="活动进度与统计 Campaign progress and statistics",
        responses=serializers.CampaignDetailOut,
    )
    def get(self, request, pk: int):
        return Response(serializers.CampaignDetailOut(selectors.campaign_get(user=request.user, pk=pk)).data)


class CampaignStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="开始发送 Start a campaign", request=None, responses=serializers.CampaignDetailOut
    )
    def post(self, request, pk: int):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        services.campaign_start(campaign=campaign, actor=request.user)
        return Response(serializers.CampaignDetailOut(selectors.campaign_get(user=request.user, pk=pk)).data)
