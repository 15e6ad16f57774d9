"""Input and output shapes of the events API. Reporters' names and phones are always masked."""

from __future__ import annotations

from rest_framework import serializers

from yimen.events import selectors
from yimen.events.models import Channel, Event, HistoryEntry, JointRequest, Report, RoutingRule

REPORT_CHANNELS = [(c.value, c.label) for c in (Channel.CITIZEN, Channel.GRID, Channel.HOTLINE)]


class ReportInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=REPORT_CHANNELS, default=Channel.CITIZEN)
    text = serializers.CharField(max_length=2000, help_text="问题描述 description")
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=4)


class ReceiptSerializer(serializers.Serializer):
    report = serializers.CharField(source="number")
    token = serializers.CharField(help_text="回执令牌: follow the report at /events/track/{token}/")
    event = serializers.CharField(source="event.number")
    status = serializers.CharField(source="event.status")
    status_label = serializers.CharField(source="event.get_status_display")
    duplicate = serializers.BooleanField()


class EventSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    subcategory = serializers.CharField(source="subcategory.code", default=None)
    subcategory_name = serializers.CharField(source="subcategory.name", default=None)
    department = serializers.CharField(source="department.code", default=None)
    department_name = serializers.CharField(source="department.name", default=None)
    street = serializers.CharField(source="street.name")
    village = serializers.CharField(source="village.name")
    grid = serializers.CharField(source="grid.code")
    escalated_to = serializers.CharField(
        source="escalated_to.code", default=None, help_text="督办层级: the division now supervising it"
    )

    class Meta:
        model = Event
        fields = [
            "number",
            "status",
            "status_label",
            "channel",
            "description",
            "subcategory",
            "subcategory_name",
            "classification",
            "confidence",
            "lat",
            "lng",
            "address",
            "street",
            "village",
            "grid",
            "department",
            "department_name",
            "urgent",
            "created_at",
            "dispatched_at",
            "respond_due",
            "acknowledged_at",
            "resolve_due",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "escalated_to",
        ]


class ReportSerializer(serializers.ModelSerializer):
    reporter = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["number", "channel", "text", "created_at", "duplicate", "rating", "reporter"]

    def get_reporter(self, obj: Report) -> dict:
        return selectors.reporter_masked(obj)


class HistorySerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", default=None)

    class Meta:
        model = HistoryEntry
        fields = ["action", "from_status", "to_status", "actor_label", "department", "note", "created_at"]


class EventDetailSerializer(EventSerializer):
    reports = ReportSerializer(many=True)
    history = HistorySerializer(many=True)
    handler_action = serializers.CharField()
    photos = serializers.SerializerMethodField()
    joint_tasks = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [
            *EventSerializer.Meta.fields,
            "handler_action",
            "reports",
            "history",
            "photos",
            "joint_tasks",
        ]

    def get_photos(self, obj: Event) -> list[dict]:
        return [{"kind": p.kind, "sha256": p.sha256, "url": p.file.url} for p in obj.photos.all()]

    def get_joint_tasks(self, obj: Event) -> list[dict]:
        return [
            {
                "id": t.pk,
                "department": t.department.code,
                "lead": t.is_lead,
                "result": t.result,
                "done_at": t.done_at,
            }
            for t in obj.joint_tasks.select_related("department")
        ]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DispatchSerializer(serializers.Serializer):
    subcategory = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ResolveSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=500)
    photos = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=4)


class VerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class JointRequestSerializer(serializers.Serializer):
    departments = serializers.ListField(child=serializers.CharField(), min_length=1)
    reason = serializers.CharField(max_length=500)


class JointDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class JointRequestOutSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.number")
    lead = serializers.CharField(source="lead.code")
    assisting = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = JointRequest
        fields = ["id", "event", "lead", "assisting", "reason", "state", "created_at", "decided_at"]


class ResultSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=500)


class RateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    token = serializers.CharField(required=False, allow_blank=True, default="")


class RoutingRuleSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", default="", allow_blank=True, required=False)
    subcategory = serializers.CharField(
        source="subcategory.code", default="", allow_blank=True, required=False
    )
    division = serializers.CharField(source="division.code", default="", allow_blank=True, required=False)
    department = serializers.CharField(source="department.code")

    class Meta:
        model = RoutingRule
        fields = ["id", "position", "category", "subcategory", "division", "department", "note", "active"]
        read_only_fields = ["id"]
        extra_kwargs = {"position": {"required": False}}


class MoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)


class RoutingRuleInputSerializer(serializers.Serializer):
    category = serializers.CharField(required=False, allow_blank=True, default="")
    subcategory = serializers.CharField(required=False, allow_blank=True, default="")
    division = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(required=False, min_value=1, allow_null=True, default=None)


class SensorReadingInputSerializer(serializers.Serializer):
    """The value and time are checked by the service (field-level messages in zh-Hans and English)."""

    device = serializers.CharField(max_length=32, help_text="设备编码 device code")
    value = serializers.JSONField(help_text="读数 the reading, a number")
    at = serializers.CharField(max_length=40, help_text="测量时间 ISO 8601, e.g. 2026-03-04T10:00:00+08:00")


SENSOR_RESULTS = ["below", "raised", "attached"]


class SensorReadingOutSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=SENSOR_RESULTS,
        help_text="below: within the rule, nothing saved; raised: a report (new event or linked duplicate); "
        "attached: kept with the device's open event",
    )
    event = serializers.CharField(source="event.number", default=None)
    status = serializers.CharField(source="event.status", default=None)
    report = serializers.CharField(source="report_number", default="")
