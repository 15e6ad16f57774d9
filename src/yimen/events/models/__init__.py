"""City governance events (一网统管): the taxonomy, events, the reports that feed them, their append-only
history, routing rules, joint enforcement and Open311 clients; the sensor devices and public-opinion
posts that feed intake are in `yimen.events.models.feeds`.

One Event gathers every Report of the same problem (duplicates within 50 m and 72 h are linked to the
open event). The Event's `status` only changes through `yimen.events.services`, which checks
`yimen.events.workflow.ALLOWED_TRANSITIONS` and appends a `HistoryEntry` and a ledger entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import Conflict
from yimen.events.workflow import Status


class Category(models.Model):
    """One of the 17 major categories (大类) of the taxonomy."""

    code = models.CharField(_("大类代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("事件大类")
        verbose_name_plural = _("事件大类")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Subcategory(models.Model):
    """A subcategory (小类): default department and time limits (respond in hours, resolve in working days)."""

    code = models.CharField(_("小类代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    category = models.ForeignKey(Category, models.PROTECT, related_name="subcategories")
    department = models.ForeignKey(
        "places.Department", models.PROTECT, related_name="+", verbose_name=_("默认处置部门")
    )
    respond_hours = models.PositiveIntegerField(_("签收时限(小时)"))
    resolve_days = models.PositiveIntegerField(_("办结时限(工作日)"))
    urgent = models.BooleanField(_("紧急"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("事件小类")
        verbose_name_plural = _("事件小类")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RoutingRule(models.Model):
    """Category x area -> department. Rules are tried in `position` order; the first match wins; when none
    matches the subcategory's default department is responsible. Empty category/subcategory/division
    matches anything."""

    position = models.PositiveIntegerField(_("顺序"), db_index=True)
    category = models.ForeignKey(Category, models.PROTECT, null=True, blank=True, related_name="+")
    subcategory = models.ForeignKey(Subcategory, models.PROTECT, null=True, blank=True, related_name="+")
    division = models.ForeignKey(
        "places.Division", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("区域")
    )
    department = models.ForeignKey("places.Department", models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")

    def __str__(self) -> str:
        return f"#{self.position} -> {self.department_id}"


class Channel(models.TextChoices):
    CITIZEN = "citizen", _("市民随手拍")
    GRID = "grid", _("网格员巡查")
    HOTLINE = "hotline", _("12345热线")
    OPEN311 = "open311", _("Open311 接口")
    SENSOR = "sensor", _("物联感知")
    OPINION = "opinion", _("网络舆情")


class Event(models.Model):
    number = models.CharField(_("事件编号"), max_length=24, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices)
    description = models.TextField(_("描述"))
    subcategory = models.ForeignKey(Subcategory, models.PROTECT, null=True, blank=True, related_name="events")
    # Top 3 of the classifier: [[code, probability], ...]; confidence = the top probability.
    classification = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=0.0)
    lat = models.FloatField()
    lng = models.FloatField()
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey("places.Division", models.PROTECT, related_name="+", verbose_name=_("网格"))
    village = models.ForeignKey("places.Division", models.PROTECT, related_name="+")
    street = models.ForeignKey("places.Division", models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "places.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("上报时间"), db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    respond_due = models.DateTimeField(_("签收期限"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateField(_("办结期限"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Supervision after overdue: the division whose leaders now watch this event (grid upwards).
    escalated_to = models.ForeignKey(
        "places.Division", models.PROTECT, null=True, blank=True, related_name="+"
    )
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    handler_action = models.TextField(_("处置情况"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        indexes = [
            models.Index(fields=["status", "department"]),
            models.Index(fields=["subcategory", "created_at"]),
            models.Index(fields=["lat", "lng"]),
        ]

    def __str__(self) -> str:
        return self.number


class Report(models.Model):
    """One report from one reporter. Several reports can belong to one event (duplicates)."""

    number = models.CharField(_("上报编号"), max_length=24, unique=True)
    token = models.CharField(max_length=32, unique=True)  # the receipt: follow without an account
    event = models.ForeignKey(Event, models.PROTECT, related_name="reports")
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices)
    text = models.TextField(_("描述"))
    lat = models.FloatField()
    lng = models.FloatField()
    address = models.CharField(_("地址"), max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="event_reports"
    )
    reporter_name = models.CharField(_("反映人"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    open311_client = models.ForeignKey(
        "events.Open311Client", models.PROTECT, null=True, blank=True, related_name="reports"
    )
    duplicate = models.BooleanField(_("重复上报"), default=False)
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    outcome_notified_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("上报")
        verbose_name_plural = _("上报")

    def __str__(self) -> str:
        return self.number


class Photo(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("上报照片")
        ACTION = "action", _("处置照片")

    event = models.ForeignKey(Event, models.PROTECT, related_name="photos")
    report = models.ForeignKey(Report, models.PROTECT, null=True, blank=True, related_name="photos")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to="events/photos/")
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.sha256


class HistoryEntry(models.Model):
    """Append-only: every transition and every action on an event (escalation, joint tasks, links)."""

    event = models.ForeignKey(Event, models.PROTECT, related_name="history")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True, choices=Status.choices)
    to_status = models.CharField(max_length=16, blank=True, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=64, blank=True)
    department = models.ForeignKey(
        "places.Department", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("事件流转记录")
        verbose_name_plural = _("事件流转记录")

    def __str__(self) -> str:
        return f"{self.event_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise Conflict("流转记录只能追加，不能修改 (history is append-only)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("流转记录只能追加，不能删除 (history is append-only)")

    @property
    def label(self) -> str:
        """What happened, in the reader's language: the new status, or the action."""
        from yimen.events.workflow import ACTION_LABELS

        if self.to_status:
            return self.get_to_status_display()
        return str(ACTION_LABELS.get(self.action, self.action))


class JointRequest(models.Model):
    """Joint enforcement (联合执法): the lead department asks, the command centre decides."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    event = models.ForeignKey(Event, models.PROTECT, related_name="joint_requests")
    lead = models.ForeignKey("places.Department", models.PROTECT, related_name="+")
    assisting = models.ManyToManyField("places.Department", related_name="+")
    reason = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.state}"


class JointTask(models.Model):
    """Each party's task in an approved joint enforcement; its result goes back to the event."""

    request = models.ForeignKey(JointRequest, models.PROTECT, related_name="tasks")
    event = models.ForeignKey(Event, models.PROTECT, related_name="joint_tasks")
    department = models.ForeignKey("places.Department", models.PROTECT, related_name="+")
    is_lead = models.BooleanField(default=False)
    result = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["request", "department"], name="joint_task_once")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.department_id}"


class Open311Client(models.Model):
    """An Open311 API client. Only the SHA-256 of its key is stored."""

    name = models.CharField(max_length=64, unique=True)
    key_sha256 = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Sequence(models.Model):
    """Per-day counters for event and report numbers (SJ20261125000001)."""

    key = models.CharField(max_length=16, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class DailyTally(models.Model):
    """The statistics roll-up: per local day, subcategory, department and street, what the statistics page
    adds up. Derived data (rebuilt from events by `statistics_rollup_rebuild`), so the keys are plain
    integers, 0 for none, not foreign keys. Event figures count on the day the event was reported;
    ratings on the day the rated report was received. The event services keep it current in the
    transaction of each change (`yimen.events.services.rollup`)."""

    day = models.DateField()
    subcategory_key = models.PositiveIntegerField()
    department_key = models.PositiveIntegerField()
    street_key = models.PositiveIntegerField()
    total = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    n_dispatch = models.IntegerField(default=0)
    n_acknowledge = models.IntegerField(default=0)
    n_close = models.IntegerField(default=0)
    # summed durations in microseconds: reported -> dispatched, dispatched -> acknowledged, reported -> closed
    to_dispatch_us = models.BigIntegerField(default=0)
    to_acknowledge_us = models.BigIntegerField(default=0)
    to_close_us = models.BigIntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rating_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("事件统计日汇总")
        verbose_name_plural = _("事件统计日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "subcategory_key", "department_key", "street_key"], name="daily_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.subcategory_key}/{self.department_key}/{self.street_key}"


class DailyGridTally(models.Model):
    """Events reported per local day, grid and department: the hot spots (same rules as DailyTally)."""

    day = models.DateField()
    grid_key = models.PositiveIntegerField()
    department_key = models.PositiveIntegerField()
    street_key = models.PositiveIntegerField()  # the grid's street: filters without a join
    total = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("网格事件日汇总")
        verbose_name_plural = _("网格事件日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "grid_key", "department_key", "street_key"], name="daily_grid_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grid_key}/{self.department_key}"


class RollupState(models.Model):
    """One row once the roll-up has been built from the events: until then statistics read the events."""

    built_at = models.DateTimeField()
    events = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.built_at} ({self.events})"


class ContactRead(models.Model):
    """One read of a reporter's full name and phone (masked everywhere else): who, which report, which
    fields, why. Written with its ledger entry in the same transaction, like the registry's FullRead."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, models.PROTECT, related_name="contact_reads")
    fields = models.JSONField(_("字段"))
    reason = models.CharField(_("事由"), max_length=200)
    at = models.DateTimeField(db_index=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("反映人信息查阅记录")
        verbose_name_plural = _("反映人信息查阅记录")

    def __str__(self) -> str:
        return f"contact read #{self.pk} of report {self.report_id} by user {self.actor_id}"


# The feeds' models live in their own module; importing them here registers them with the app.
from yimen.events.models.feeds import OpinionPost, SensorDevice, SensorReading  # noqa: E402, F401
