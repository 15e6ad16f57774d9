"""An item's stable identity (`ServiceItem`) and its versions (`ItemVersion`).

A version moves draft -> published -> retired and nothing else (see `yimen.catalog.workflow`). Published
and retired versions are immutable and are never deleted: cases keep a foreign key to the version they
were filed under. The services in `yimen.catalog.services` are the only writers.
"""

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import Conflict


class ItemKind(models.TextChoices):
    ADMINISTRATIVE_LICENCE = "administrative_licence", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    BENEFIT = "benefit", _("行政给付")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    OTHER = "other", _("其他")


class ServiceObject(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("自然人")
    LEGAL_PERSON = "legal_person", _("法人")
    BOTH = "both", _("自然人、法人")


class AcceptLevel(models.TextChoices):
    DISTRICT = "district", _("区级")
    STREET = "street", _("镇街")
    VILLAGE = "village", _("村居")


class LimitDayType(models.TextChoices):
    WORKING = "working", _("工作日")
    NATURAL = "natural", _("自然日")


class Visits(models.TextChoices):
    ZERO = "0", _("零跑动")
    ONCE = "1", _("最多跑一次")
    MANY = "n", _("需多次到现场")


class OnlineDepth(models.IntegerChoices):
    INFORMATION = 1, _("一级：信息公开")
    CONSULT = 2, _("二级：在线咨询、表格下载")
    PRE_REVIEW = 3, _("三级：在线预审、网上申报")
    FULLY_ONLINE = 4, _("四级：全程网办")


class ResultType(models.TextChoices):
    CERTIFICATE = "certificate", _("证照")
    DOCUMENT = "document", _("批文、证明或决定书")
    NONE = "none", _("无")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class ServiceItem(models.Model):
    """What stays the same across versions: the national codes and the pointer to the published version."""

    basic_code = models.CharField(_("基本编码"), max_length=32, db_index=True)
    implementation_code = models.CharField(_("实施编码"), max_length=64, unique=True)
    current_version = models.OneToOneField(
        "catalog.ItemVersion",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前发布版本"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["implementation_code"]
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")

    def __str__(self) -> str:
        if self.current_version_id is not None:
            return f"{self.current_version.name} ({self.implementation_code})"
        return self.implementation_code


class ItemVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=VersionStatus.PUBLISHED)

    def drafts(self):
        return self.filter(status=VersionStatus.DRAFT)

    def delete(self):
        if self.exclude(status=VersionStatus.DRAFT).exists():
            raise Conflict(gettext("已发布或已停用的事项版本不能删除。"))
        return super().delete()


class ItemVersion(models.Model):
    """One version of an item, with the fields of the national implementation list (实施清单)."""

    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="versions", verbose_name=_("事项"))
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )

    name = models.CharField(_("事项名称"), max_length=128, db_index=True)
    kind = models.CharField(_("事项类型"), max_length=32, choices=ItemKind.choices)
    department = models.ForeignKey(
        "places.Department", models.PROTECT, related_name="item_versions", verbose_name=_("实施主体")
    )
    service_object = models.CharField(_("服务对象"), max_length=16, choices=ServiceObject.choices)
    # A list of AcceptLevel values (区/镇街/村居), in that order.
    accept_levels = models.JSONField(_("受理层级"), default=list)
    statutory_limit_days = models.PositiveSmallIntegerField(_("法定办结时限(天)"), null=True, blank=True)
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺办结时限(天)"))
    limit_day_type = models.CharField(
        _("时限类型"), max_length=8, choices=LimitDayType.choices, default=LimitDayType.WORKING
    )
    visits_required = models.CharField(
        _("到办事现场次数"), max_length=1, choices=Visits.choices, default=Visits.ONCE
    )
    online_depth = models.PositiveSmallIntegerField(_("网上办理深度"), choices=OnlineDepth.choices)
    fee = models.CharField(_("收费标准"), max_length=200, default="不收费")
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    where_to_go = models.TextField(_("办理地点"), blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=64, blank=True)
    result_type = models.CharField(
        _("办理结果类型"), max_length=16, choices=ResultType.choices, default=ResultType.NONE
    )
    result_name = models.CharField(_("办理结果名称"), max_length=128, blank=True)
    # Comma-separated search keywords (no commas inside a keyword); see `keyword_list`.
    keywords = models.CharField(_("关键词"), max_length=500, blank=True)
    life_stages = models.ManyToManyField(
        "catalog.LifeStage", blank=True, related_name="item_versions", verbose_name=_("人生阶段")
    )
    related_items = models.ManyToManyField(
        ServiceItem, blank=True, related_name="related_from", verbose_name=_("关联事项")
    )
    form_schema = models.JSONField(_("网上申报表单(JSON Schema)"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    objects = ItemVersionQuerySet.as_manager()

    class Meta:
        ordering = ["item_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_unique_number"),
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(status="published"),
                name="catalog_version_one_published",
            ),
        ]
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")

    def __str__(self) -> str:
        return f"{self.name} v{self.number} ({self.get_status_display()})"

    def delete(self, *args, **kwargs):
        if self.status != VersionStatus.DRAFT:
            raise Conflict(gettext("已发布或已停用的事项版本不能删除。"))
        return super().delete(*args, **kwargs)

    @property
    def implementation_code(self) -> str:
        return self.item.implementation_code

    @cached_property
    def form_validator(self):
        """The JSON Schema validator of `form_schema`, built once per instance: the intake's published
        version is cached per process (`catalog.selectors.item_for_intake`), so once per process."""
        from jsonschema.validators import validator_for

        return validator_for(self.form_schema)(self.form_schema)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in (part.strip() for part in self.keywords.split(",")) if k]

    @property
    def accept_level_labels(self) -> list[str]:
        labels = dict(AcceptLevel.choices)
        return [str(labels.get(level, level)) for level in self.accept_levels]
