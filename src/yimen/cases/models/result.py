"""What a case hands out and what follows: the electronic certificate, delivery, the rating, reminders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.cases.models.case import Case


class Certificate(models.Model):
    """An electronic certificate (电子证照) issued by an approved case. Anyone holding the verification
    token (printed as a QR code) can check that it is genuine and valid."""

    class State(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已注销")

    number = models.CharField(_("证照编号"), max_length=40, unique=True)
    name = models.CharField(_("证照名称"), max_length=128)
    case = models.OneToOneField(Case, models.PROTECT, related_name="certificate")
    holder_person = models.ForeignKey(
        "registry.Person", models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    holder_enterprise = models.ForeignKey(
        "registry.Enterprise", models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    issuer = models.ForeignKey(
        "places.Department", models.PROTECT, related_name="+", verbose_name=_("发证机关")
    )
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.VALID)
    verify_token = models.CharField(max_length=32, unique=True)
    ledger_index = models.BigIntegerField(_("留痕序号"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        # Licences about to expire (the 推送办 renewal notices and the 证照到期 tag) are found by date.
        indexes = [models.Index(fields=["state", "valid_until"], name="cases_cert_expiry")]
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day) -> bool:
        return self.state == self.State.VALID and (self.valid_until is None or day <= self.valid_until)


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("窗口领取")
    EMS = "ems", _("邮政寄递(EMS)")
    ELECTRONIC = "electronic", _("电子送达")


class Delivery(models.Model):
    case = models.OneToOneField(Case, models.PROTECT, related_name="delivery")
    method = models.CharField(_("出件方式"), max_length=16, choices=DeliveryMethod.choices)
    tracking_number = models.CharField(_("EMS 单号"), max_length=32, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(_("出件时间"))

    class Meta:
        verbose_name = _("出件")
        verbose_name_plural = _("出件")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.method}"


class Rating(models.Model):
    """好差评: the applicant's score of a finished case, 1 (very poor) to 5 (very good)."""

    case = models.OneToOneField(Case, models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="cases_rating_1_5")
        ]
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


class Reminder(models.Model):
    """A deadline reminder to a handler, written by the daily task; one per case, user, kind and day."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("已超期")

    case = models.ForeignKey(Case, models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="case_reminders")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("日期"))
    read = models.BooleanField(_("已读"), default=False)

    class Meta:
        ordering = ["-on", "case_id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "kind", "on"], name="cases_reminder_once_a_day")
        ]
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")

    def __str__(self) -> str:
        return f"{self.case_id}->{self.user_id} {self.kind} {self.on}"
