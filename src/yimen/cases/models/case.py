"""A case (办件) and the rows that hang off it: status history, back-office steps, materials, uploads.

Only `yimen.cases.services` writes these rows. Status changes go through `yimen.cases.workflow`; the
history (`StatusChange`) is append-only: a row is never edited or deleted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import Conflict


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    CORRECTION = "correction", _("补正中")
    REFUSED = "refused", _("不予受理")
    ACCEPTED = "accepted", _("审批中")
    SUSPENDED = "suspended", _("审批暂停(补正中)")
    APPROVED = "approved", _("准予办理")
    REJECTED = "rejected", _("不予办理")
    DELIVERED = "delivered", _("已出件")
    WITHDRAWN = "withdrawn", _("已撤回")


class Channel(models.TextChoices):
    WINDOW = "window", _("综合窗口")
    ONLINE = "online", _("网上办事大厅")
    MOBILE = "mobile", _("移动端")
    KIOSK = "kiosk", _("自助终端")


class ThemeApplication(models.Model):
    """One application for a theme (主题办, e.g. 我要开餐馆): each of the theme's items becomes a sub-case
    approved in parallel by its own department; the application is done when every sub-case is."""

    number = models.CharField(_("主题办件编号"), max_length=32, unique=True, null=True, blank=True)
    theme = models.ForeignKey(
        "catalog.Theme", models.PROTECT, related_name="applications", verbose_name=_("主题")
    )
    applicant_person = models.ForeignKey(
        "registry.Person", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("申请人")
    )
    applicant_enterprise = models.ForeignKey(
        "registry.Enterprise",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请单位"),
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    due_date = models.DateField(_("承诺办结日期"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="cases_theme_idempotency",
            )
        ]
        verbose_name = _("主题办件")
        verbose_name_plural = _("主题办件")

    def __str__(self) -> str:
        return self.number or f"theme application #{self.pk}"


class Case(models.Model):
    # Set (not stored) by `services.case_submit` when an Idempotency-Key replay returns an earlier case.
    replayed = False

    number = models.CharField(_("办件编号"), max_length=32, unique=True, null=True, blank=True)
    item = models.ForeignKey(
        "catalog.ServiceItem", models.PROTECT, related_name="cases", verbose_name=_("事项")
    )
    # The published version the case was filed under: later versions never change an open case.
    version = models.ForeignKey(
        "catalog.ItemVersion", models.PROTECT, related_name="cases", verbose_name=_("事项版本")
    )
    department = models.ForeignKey(
        "places.Department", models.PROTECT, related_name="cases", verbose_name=_("实施部门")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    applicant_person = models.ForeignKey(
        "registry.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("申请人"),
    )
    applicant_enterprise = models.ForeignKey(
        "registry.Enterprise",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("申请单位"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="cases_submitted", verbose_name=_("提交人")
    )
    intake_division = models.ForeignKey(
        "places.Division",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受理窗口区划"),
    )
    theme_application = models.ForeignKey(
        ThemeApplication,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("主题办件"),
    )
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("出件时间"), null=True, blank=True)

    # Time limits, copied from the version at acceptance and moved by corrections and extensions.
    limit_day_type = models.CharField(_("时限类型"), max_length=8)
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺时限(天)"))
    statutory_limit_days = models.PositiveSmallIntegerField(_("法定时限(天)"), null=True, blank=True)
    due_date = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    statutory_due_date = models.DateField(_("法定办结日期"), null=True, blank=True)
    paused_since = models.DateField(_("补正开始日期"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("补正暂停天数"), default=0)
    extended_days = models.PositiveIntegerField(_("延期天数"), default=0)
    extension_reason = models.TextField(_("延期理由"), blank=True)

    current_step = models.PositiveSmallIntegerField(_("当前环节"), default=0)
    correction_request = models.TextField(_("补正告知"), blank=True)
    reason = models.TextField(_("不予受理或不予办理理由"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="cases_case_idempotency",
            ),
            models.CheckConstraint(
                condition=models.Q(applicant_person__isnull=False)
                | models.Q(applicant_enterprise__isnull=False),
                name="cases_case_has_applicant",
            ),
        ]
        indexes = [models.Index(fields=["department", "status", "due_date"], name="cases_queue")]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")

    def __str__(self) -> str:
        return self.number or f"case #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.CORRECTION, Status.ACCEPTED, Status.SUSPENDED)

    @property
    def applicant_is_enterprise(self) -> bool:
        return self.applicant_enterprise_id is not None


class StatusChange(models.Model):
    """One transition of a case. Append-only: saving an existing row or deleting one raises Conflict."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="history")
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"))
    ledger_index = models.BigIntegerField(_("留痕序号"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("状态记录")
        verbose_name_plural = _("状态记录")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status or '-'} -> {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise Conflict("状态记录只能追加，不能修改 (status history is append-only)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("状态记录只能追加，不能删除 (status history is append-only)")


class CaseStep(models.Model):
    """One back-office step (审查, 审核, 决定 ...) of a case, created at acceptance from the item's procedure."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    code = models.SlugField(_("环节代码"), max_length=32)
    name = models.CharField(_("环节"), max_length=32)
    department = models.ForeignKey("places.Department", models.PROTECT, related_name="+")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    outcome = models.CharField(_("结论"), max_length=16, blank=True)

    class Meta:
        ordering = ["case_id", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "order"], name="cases_step_unique_order")]
        verbose_name = _("审批环节")
        verbose_name_plural = _("审批环节")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.order} {self.code}"


class Upload(models.Model):
    """A file an applicant or clerk uploaded, recognised by its content; identified by its SHA-256."""

    file = models.FileField(upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.content_type})"


class MaterialState(models.TextChoices):
    REUSED = "reused", _("免提交(共享复用)")
    UPLOADED = "uploaded", _("已上传")
    PAPER = "paper", _("窗口已核验纸质件")
    MISSING = "missing", _("未提交")


class CaseMaterial(models.Model):
    """A material of the case: reused from government-held data, uploaded, checked on paper, or missing."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="materials")
    key = models.SlugField(_("材料标识"), max_length=64)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    source = models.CharField(_("来源渠道"), max_length=16)
    state = models.CharField(_("状态"), max_length=16, choices=MaterialState.choices)
    # Where a reused material came from, e.g. "registry.person:42" or "cases.certificate:7".
    reuse_ref = models.CharField(_("复用来源"), max_length=64, blank=True)
    reuse_label = models.CharField(_("复用说明"), max_length=200, blank=True)
    upload = models.ForeignKey(Upload, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="cases_material_unique_key")]
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key} {self.state}"
