"""Events REST API (/api/events/): thin views over selectors and services. Errors in the shared shape
{"code", "detail", "errors": {field: [...]}}; illegal transitions answer 409 and change nothing."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.events import selectors, services
from yimen.events.api import serializers as s
from yimen.events.models import JointRequest, JointTask, Report
from yimen.events.workflow import Status

TAGS = ["events 一网统管"]


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EventsApi(APIView):
    permission_classes = [IsAuthenticated]


class ReportCreateApi(EventsApi):
    """Report a problem (随手拍 / 网格员 / 12345). Multipart for photos; returns the receipt."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        request=s.ReportInputSerializer,
        responses={201: s.ReceiptSerializer},
        summary="上报事件 Report a problem",
    )
    def post(self, request):
        data = _valid(s.ReportInputSerializer, request)
        staff_channel = data["channel"] != "citizen"
        report = services.event_report(
            channel=data["channel"],
            text=data["text"],
            lat=data.get("lat"),
            lng=data.get("lng"),
            address=data["address"],
            reporter=None if data["channel"] == "hotline" else request.user,
            actor=request.user,
            reporter_name=data["reporter_name"] if staff_channel else "",
            reporter_phone=data["reporter_phone"],
            photos=data["photos"],
        )
        return Response(s.ReceiptSerializer(report).data, status=status.HTTP_201_CREATED)


class EventListApi(EventsApi):
    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter(n, str) for n in ("status", "category", "department", "division")]
        + [
            OpenApiParameter(
                "area", str, description="镇街或村居代码: only events there (street or village)"
            ),
            OpenApiParameter("escalated", bool, description="只看已升级督办 only escalated events"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=s.EventSerializer(many=True),
        summary="事件列表(按权限范围) Events in your scope",
    )
    def get(self, request):
        q = request.query_params
        if q.get("status") and q["status"] not in Status.values:
            return Response(
                {
                    "code": "invalid",
                    "detail": "status: unknown",
                    "errors": {"status": [f"应为 {Status.values} 之一"]},
                },
                status=400,
            )
        qs = selectors.events_filtered(
            request.user,
            status=q.get("status", ""),
            category=q.get("category", ""),
            department=q.get("department", ""),
            division=q.get("division", ""),
            within=selectors.scope_division(request.user, q["area"]) if q.get("area") else None,
            escalated=q.get("escalated") in ("1", "true"),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.EventSerializer(page, many=True).data)


class EventDetailApi(EventsApi):
    @extend_schema(
        tags=TAGS, responses=s.EventDetailSerializer, summary="事件详情与流转记录 Event with timeline"
    )
    def get(self, request, number: str):
        return Response(s.EventDetailSerializer(selectors.event_for(request.user, number)).data)


class EventActionApi(EventsApi):
    """POST /api/events/events/{number}/{action}/ — one transition per action."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ACTIONS = {
        "dispatch": s.DispatchSerializer,
        "reject": s.ReasonSerializer,
        "acknowledge": None,
        "return": s.ReasonSerializer,
        "resolve": s.ResolveSerializer,
        "verify": s.VerifySerializer,
        "reopen": s.ReasonSerializer,
        "joint": s.JointRequestSerializer,
    }

    @extend_schema(
        tags=TAGS,
        request=None,
        responses=s.EventSerializer,
        summary="事件操作 dispatch|reject|acknowledge|return|resolve|verify|reopen|joint",
    )
    def post(self, request, number: str, action: str):
        if action not in self.ACTIONS:
            return Response({"code": "not_found", "detail": f"unknown action {action}"}, status=404)
        event = selectors.event_for(request.user, number)
        data = _valid(self.ACTIONS[action], request) if self.ACTIONS[action] else {}
        user = request.user
        if action == "dispatch":
            services.event_dispatch(event=event, actor=user, **data)
        elif action == "reject":
            services.event_reject(event=event, actor=user, reason=data["reason"])
        elif action == "acknowledge":
            services.event_acknowledge(event=event, actor=user)
        elif action == "return":
            services.event_return(event=event, actor=user, reason=data["reason"])
        elif action == "resolve":
            services.event_resolve(event=event, actor=user, action=data["action"], photos=data["photos"])
        elif action == "verify":
            services.event_verify(event=event, actor=user, passed=data["passed"], note=data["note"])
        elif action == "reopen":
            report = Report.objects.filter(event=event, reporter=user).first()
            services.event_reopen(event=event, actor=user, reason=data["reason"], report=report)
        elif action == "joint":
            request_row = services.joint_request(
                event=event, actor=user, departments=data["departments"], reason=data["reason"]
            )
            return Response(s.JointRequestOutSerializer(request_row).data, status=201)
        return Response(s.EventSerializer(selectors.event_for(user, number)).data)


class JointPendingApi(EventsApi):
    @extend_schema(tags=TAGS, responses=s.JointRequestOutSerializer(many=True), summary="待审批联合执法")
    def get(self, request):
        return Response(s.JointRequestOutSerializer(selectors.joint_pending(request.user), many=True).data)


class JointDecideApi(EventsApi):
    @extend_schema(
        tags=TAGS,
        request=s.JointDecisionSerializer,
        responses=s.JointRequestOutSerializer,
        summary="审批联合执法 Approve or reject joint enforcement",
    )
    def post(self, request, pk: int):
        data = _valid(s.JointDecisionSerializer, request)
        row = selectors.joint_pending(request.user).filter(pk=pk).first() or _missing(JointRequest)
        row = services.joint_decide(
            request=row, actor=request.user, approve=data["approve"], note=data["note"]
        )
        return Response(s.JointRequestOutSerializer(row).data)


class JointTaskCompleteApi(EventsApi):
    @extend_schema(tags=TAGS, request=s.ResultSerializer, responses=None, summary="提交联合执法任务结果")
    def post(self, request, pk: int):
        data = _valid(s.ResultSerializer, request)
        visible = selectors.events_visible(request.user).values("pk")
        task = JointTask.objects.filter(pk=pk, event__in=visible).first() or _missing(JointTask)
        services.joint_task_complete(task=task, actor=request.user, result=data["result"])
        return Response({"id": task.pk, "done": True})


class ReportRateApi(APIView):
    """The reporter (logged in, or with the receipt token) rates the outcome of a closed event."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS, request=s.RateSerializer, responses=None, summary="评价处置结果 Rate the outcome"
    )
    def post(self, request, number: str):
        data = _valid(s.RateSerializer, request)
        report = Report.objects.filter(number=number).first() or _missing(Report)
        services.report_rate(
            report=report,
            actor=request.user if request.user.is_authenticated else None,
            score=data["score"],
            comment=data["comment"],
            token=data["token"],
        )
        return Response({"report": number, "rating": data["score"]})


class ReceiptApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, responses=s.ReceiptSerializer, summary="按回执令牌查询进度 Follow a report")
    def get(self, request, token: str):
        return Response(s.ReceiptSerializer(selectors.report_by_token(token)).data)


class RoutingRuleListApi(EventsApi):
    @extend_schema(tags=TAGS, responses=s.RoutingRuleSerializer(many=True), summary="派遣规则 Routing rules")
    def get(self, request):
        return Response(s.RoutingRuleSerializer(selectors.routing_rules(), many=True).data)

    @extend_schema(
        tags=TAGS,
        request=s.RoutingRuleInputSerializer,
        responses={201: s.RoutingRuleSerializer},
        summary="新增派遣规则 Add a routing rule",
    )
    def post(self, request):
        data = _valid(s.RoutingRuleInputSerializer, request)
        data.pop("active")
        rule = services.routing_rule_create(actor=request.user, **data)
        return Response(s.RoutingRuleSerializer(rule).data, status=201)


class RoutingRuleDetailApi(EventsApi):
    @extend_schema(
        tags=TAGS,
        request=s.RoutingRuleInputSerializer,
        responses=s.RoutingRuleSerializer,
        summary="修改派遣规则",
    )
    def put(self, request, pk: int):
        data = _valid(s.RoutingRuleInputSerializer, request)
        data.pop("position")
        return Response(
            s.RoutingRuleSerializer(services.routing_rule_update(actor=request.user, rule_id=pk, **data)).data
        )

    @extend_schema(tags=TAGS, responses={204: None}, summary="删除派遣规则")
    def delete(self, request, pk: int):
        services.routing_rule_delete(actor=request.user, rule_id=pk)
        return Response(status=204)


class RoutingRuleMoveApi(EventsApi):
    @extend_schema(
        tags=TAGS, request=s.MoveSerializer, responses=s.RoutingRuleSerializer, summary="调整规则顺序"
    )
    def post(self, request, pk: int):
        data = _valid(s.MoveSerializer, request)
        return Response(
            s.RoutingRuleSerializer(
                services.routing_rule_move(actor=request.user, rule_id=pk, position=data["position"])
            ).data
        )


class SensorReadingApi(APIView):
    """POST /api/events/sensors/readings/ — one reading from an IoT platform, authenticated with its
    Open311 client key (header `X-Api-Key`, or `api_key` in the body; see services/sensors.py for why
    client keys and not per-device keys). 202 within the rule (nothing saved), 201 when it raised a
    report, 200 when attached to the device's open event."""

    authentication_classes: list = []  # no session, so no CSRF: the key is the credential
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        tags=TAGS,
        request=s.SensorReadingInputSerializer,
        parameters=[OpenApiParameter("X-Api-Key", str, location=OpenApiParameter.HEADER)],
        responses={
            201: s.SensorReadingOutSerializer,
            200: s.SensorReadingOutSerializer,
            202: s.SensorReadingOutSerializer,
        },
        summary="物联感知读数 Post a sensor reading",
    )
    def post(self, request):
        key = request.headers.get("X-Api-Key") or str(request.data.get("api_key") or "")
        client = services.open311_client_for_key(key)
        data = _valid(s.SensorReadingInputSerializer, request)
        outcome = services.sensor_reading_ingest(
            client=client, device=data["device"], value=data["value"], at=data["at"]
        )
        code = {"below": 202, "raised": 201, "attached": 200}[outcome.result]
        return Response(s.SensorReadingOutSerializer(outcome).data, status=code)


def _missing(model):
    from yimen.common.errors import NotFound

    raise NotFound(f"未找到 {model._meta.verbose_name} (not found)")
