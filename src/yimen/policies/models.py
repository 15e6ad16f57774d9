"""Enterprise support policies (扶持通 惠企政策) and which enterprises they reach.

A `Policy` is a subsidy or support measure with an eligibility rule in the tag rule language
(`yimen.proactive.tags.rules`, kind enterprise), an optional application item with a pre-fill mapping,
and `auto_grant` for 免申即享 (eligible enterprises get it without applying). A `PolicyMatch` is one
enterprise found eligible for one policy, with its state (`workflow.py`). Only `yimen.policies.services`
writes these rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchState(models.TextChoices):
    ELIGIBLE = "eligible", _("符合条件")
    NOTIFIED = "notified", _("已通知")
    APPLIED = "applied", _("已申报")
    GRANTED = "granted", _("已享受")
    DISMISSED = "dismissed", _("企业不需要")
    EXPIRED = "expired", _("不再符合")


class Policy(models.Model):
    code = models.SlugField(_("政策代码"), max_length=64, unique=True)
    name = models.CharField(_("政策名称"), max_length=128)
    department = models.ForeignKey(
        "places.Department", models.PROTECT, related_name="+", verbose_name=_("主管部门")
    )
    summary = models.TextField(_("政策简介"), blank=True)
    benefit = models.CharField(_("扶持内容"), max_length=200)
    legal_basis = models.TextField(_("政策依据"), blank=True)
    how_to_apply = models.TextField(_("办理方式"), blank=True)
    # The eligibility rule (yimen.proactive.tags.rules, kind enterprise), checked on every save.
    rule = models.JSONField(_("适用条件"))
    item = models.ForeignKey(
        "catalog.ServiceItem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申报事项"),
    )
    # {form field of the item's application form: enterprise or legal-representative field}
    prefill = models.JSONField(_("申请表预填"), default=dict, blank=True)
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    auto_grant = models.BooleanField(_("免申即享"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    matched_at = models.DateTimeField(_("最近匹配时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def in_effect(self, day) -> bool:
        return (
            self.enabled
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


class PolicyMatch(models.Model):
    """One enterprise eligible (now or once) for one policy."""

    policy = models.ForeignKey(Policy, models.CASCADE, related_name="matches")
    enterprise = models.ForeignKey("registry.Enterprise", models.CASCADE, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=MatchState.choices)
    matched_at = models.DateTimeField(_("匹配时间"))
    state_changed_at = models.DateTimeField(_("状态时间"))
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("办件")
    )
    # The form values filled from the registry when the enterprise applied.
    prefill = models.JSONField(_("预填内容"), default=dict, blank=True)

    class Meta:
        ordering = ["policy", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="policies_match_unique")]
        indexes = [
            models.Index(fields=["policy", "state"], name="policies_match_policy_state"),
            models.Index(fields=["enterprise", "state"], name="policies_match_enterprise"),
        ]
        verbose_name = _("政策匹配")
        verbose_name_plural = _("政策匹配")

    def __str__(self) -> str:
        return f"policy {self.policy_id} / enterprise {self.enterprise_id}: {self.state}"
