"""Tags (标签画像), who carries them, the bitmap index over them, and target groups (精准服务).

Only `yimen.proactive.services` (and the tag refresh in `yimen.proactive.tags.refresh`) write these rows.
A tag's rule is data (`TagDefinition.rule`, the language in `yimen.proactive.tags.rules`); membership is
kept twice: `PersonTag` rows (who, since when: the source of truth, queryable with SQL) and one
serialized Roaring bitmap per tag and per division (`Bitmap`), which target-group counts use.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TagKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class TagDefinition(models.Model):
    code = models.SlugField(_("标签代码"), max_length=48, unique=True)
    name = models.CharField(_("标签名称"), max_length=32, unique=True)
    kind = models.CharField(_("对象"), max_length=16, choices=TagKind.choices, default=TagKind.PERSON)
    description = models.TextField(_("说明"), blank=True)
    # The rule as parsed YAML/JSON (see tags/rules.py); checked by `rules.rule_parse` on every save.
    rule = models.JSONField(_("规则"))
    # Persons: only the living carry the tag (enterprises: only those in business). `deceased` turns it off.
    alive_only = models.BooleanField(_("仅在世/存续对象"), default=True)
    enabled = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    member_count = models.PositiveIntegerField(_("人数/户数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "order", "code"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PersonTag(models.Model):
    """One person carries one tag, since the day it was first computed for them.

    Derived data, rewritten by every refresh: the foreign keys carry no database constraint (Django still
    cascades deletes), because checking 1.2M constraint triggers made a full recompute several times
    slower; a row of a person deleted behind Django's back is dropped by the next full recompute."""

    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+", db_constraint=False)
    tag = models.ForeignKey(TagDefinition, models.CASCADE, related_name="person_members")
    since = models.DateField(_("起始日期"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "person"], name="proactive_persontag_unique")]
        indexes = [models.Index(fields=["person", "tag"], name="proactive_persontag_person")]
        verbose_name = _("自然人标签")
        verbose_name_plural = _("自然人标签")

    def __str__(self) -> str:
        return f"{self.person_id}:{self.tag_id}"


class EnterpriseTag(models.Model):
    enterprise = models.ForeignKey(
        "registry.Enterprise", models.CASCADE, related_name="+", db_constraint=False
    )
    tag = models.ForeignKey(TagDefinition, models.CASCADE, related_name="enterprise_members")
    since = models.DateField(_("起始日期"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "enterprise"], name="proactive_enterprisetag_unique")
        ]
        indexes = [models.Index(fields=["enterprise", "tag"], name="proactive_enterprisetag_ent")]
        verbose_name = _("法人标签")
        verbose_name_plural = _("法人标签")

    def __str__(self) -> str:
        return f"{self.enterprise_id}:{self.tag_id}"


class Bitmap(models.Model):
    """A set of person ids as a serialized Roaring bitmap: `tag:<code>` (carriers of a person tag),
    `div:<code>` (residents of a division and everything below it), `universe:alive` (living persons).
    `version` is the `BitmapState.version` of the write that produced it (the caches' key)."""

    key = models.CharField(max_length=80, unique=True)
    data = models.BinaryField()
    cardinality = models.PositiveIntegerField(default=0)
    version = models.BigIntegerField(default=0, db_index=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("位图索引")
        verbose_name_plural = _("位图索引")

    def __str__(self) -> str:
        return f"{self.key} ({self.cardinality})"


class BitmapState(models.Model):
    """One row: the version counter every bitmap or tag write increments (under this row's lock), so a
    process knows with one primary-key read whether its cached bitmaps are current."""

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("位图版本")
        verbose_name_plural = _("位图版本")

    def __str__(self) -> str:
        return f"bitmaps v{self.version}"


class SavedSegment(models.Model):
    """A target group kept by name: a segment expression (see segments.py) and who owns it."""

    name = models.CharField(_("名称"), max_length=64)
    expression = models.TextField(_("表达式"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    last_count = models.PositiveIntegerField(_("人数"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="proactive_segment_owner_name")]
        verbose_name = _("目标人群")
        verbose_name_plural = _("目标人群")

    def __str__(self) -> str:
        return self.name


class SegmentExport(models.Model):
    """One export of a target group's (masked) list for a service project: who, why, how many."""

    segment = models.ForeignKey(SavedSegment, models.SET_NULL, null=True, blank=True, related_name="exports")
    expression = models.TextField(_("表达式"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reason = models.CharField(_("事由"), max_length=200)
    count = models.PositiveIntegerField(_("人数"))
    # Full names, ID numbers, phones and addresses: each person's FullRead row is written with it.
    unmasked = models.BooleanField(_("完整信息"), default=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("目标人群导出记录")
        verbose_name_plural = _("目标人群导出记录")

    def __str__(self) -> str:
        return f"export #{self.pk} by user {self.actor_id}: {self.count}"


class TriggerKind(models.TextChoices):
    """What sets a life-event trigger off. Event kinds fire when a service commits the change; date kinds
    are found by the daily scan (`yimen proactive triggers --scan`), which also catches up missed days."""

    CASE_COMPLETED = "case_completed", _("办结某事项")
    BIRTH = "birth", _("新生儿登记")
    BIRTHDAY = "birthday", _("整寿生日")
    RETIREMENT_AGE = "retirement_age", _("达到退休年龄")
    GRADUATION = "graduation", _("毕业、升学")
    DEATH = "death", _("亲人离世")
    ENTERPRISE_ESTABLISHED = "enterprise_established", _("企业设立")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("证照即将到期")


class LifeEventTrigger(models.Model):
    """A life-event rule (推送办): when `kind` happens (with `params`), offer `offers` (catalog items) to
    the recipients, with one notification made from `template`. Rules are data; `services.trigger_save`
    checks them (see `yimen.proactive.triggers.definitions`)."""

    code = models.SlugField(_("规则代码"), max_length=48, unique=True)
    name = models.CharField(_("规则名称"), max_length=64)
    kind = models.CharField(_("触发事件"), max_length=32, choices=TriggerKind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    life_stage = models.ForeignKey(
        "catalog.LifeStage",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人生阶段"),
    )
    offers = models.ManyToManyField("catalog.ServiceItem", related_name="+", verbose_name=_("推送事项"))
    event_text = models.CharField(_("事件说明"), max_length=100)
    template = models.ForeignKey(
        "notify.Template", models.PROTECT, related_name="+", verbose_name=_("消息模板")
    )
    enabled = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    fired_count = models.PositiveIntegerField(_("已推送人次"), default=0)
    last_fired_at = models.DateTimeField(_("最近推送"), null=True, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("人生事件推送规则")
        verbose_name_plural = _("人生事件推送规则")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OfferState(models.TextChoices):
    OPEN = "open", _("待办理")
    APPLIED = "applied", _("已申请")
    DISMISSED = "dismissed", _("不需要")


class Offer(models.Model):
    """One item offered to one person because of one occurrence of a life event. `occasion` names the
    occurrence (a case number, a birthday age, a certificate number...): the same offer is made once."""

    person = models.ForeignKey(
        "registry.Person", models.CASCADE, related_name="+", verbose_name=_("推送对象")
    )
    trigger = models.ForeignKey(LifeEventTrigger, models.CASCADE, related_name="offer_rows")
    item = models.ForeignKey("catalog.ServiceItem", models.CASCADE, related_name="+", verbose_name=_("事项"))
    occasion = models.CharField(_("事件"), max_length=64)
    event = models.CharField(_("事件说明"), max_length=160, blank=True)  # the rule's event text, filled in
    # Whom or what the event was about, when not the recipient: the newborn, the deceased, the enterprise.
    about_person = models.ForeignKey(
        "registry.Person", models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise", models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    state = models.CharField(_("状态"), max_length=16, choices=OfferState.choices, default=OfferState.OPEN)
    case = models.ForeignKey(
        "cases.Case", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("办件")
    )
    created_at = models.DateTimeField(_("推送时间"), db_index=True)
    acted_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "trigger", "occasion", "item"], name="proactive_offer_once"
            )
        ]
        indexes = [models.Index(fields=["person", "state", "-created_at"], name="proactive_offer_inbox")]
        verbose_name = _("推送服务")
        verbose_name_plural = _("推送服务")

    def __str__(self) -> str:
        return f"offer {self.pk}: item {self.item_id} to person {self.person_id}"


class TriggerScan(models.Model):
    """One row per scanned day of the daily life-event scan: what it found, so a missed day is caught up
    and a day is never scanned twice."""

    day = models.DateField(_("日期"), unique=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("人生事件扫描")
        verbose_name_plural = _("人生事件扫描")

    def __str__(self) -> str:
        return f"trigger scan {self.day}"
