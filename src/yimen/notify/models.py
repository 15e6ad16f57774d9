"""Notifications (推送办): message templates, a person's notifications and their deliveries per channel,
the append-only record of every send attempt, a person's preferences, and campaigns to a recipient set.

A notification is what the person reads in the inbox (我的提醒), rendered once from a template; a
delivery carries it on one channel (inbox, email, text message) through the states of `workflow.py`.
Contact details are not copied here: the worker reads them from the registry when it sends.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.notify.workflow import CampaignState, State


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内提醒")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class Template(models.Model):
    """A message with `{name}` placeholders. Transactional messages (a result is ready, a licence expires)
    are not counted against the frequency cap; offers and campaigns are."""

    code = models.SlugField(_("模板编码"), max_length=64, unique=True)
    name = models.CharField(_("模板名称"), max_length=128)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    channels = models.JSONField(_("发送渠道"), default=list)
    placeholders = models.JSONField(_("必需的占位符"), default=list)
    transactional = models.BooleanField(_("事务性消息"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Preference(models.Model):
    """A person's choices: text and email may be switched off (the inbox always keeps a copy), and quiet
    hours in which no text or email goes out (null times: the district default)."""

    person = models.OneToOneField(
        "registry.Person", models.CASCADE, related_name="notify_preference", verbose_name=_("本人")
    )
    sms_enabled = models.BooleanField(_("接收短信"), default=True)
    email_enabled = models.BooleanField(_("接收电子邮件"), default=True)
    quiet_enabled = models.BooleanField(_("启用免打扰时段"), default=True)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return f"preference of person {self.person_id}"


class Campaign(models.Model):
    """One message to a recipient set, fanned out in background chunks, with progress and statistics."""

    name = models.CharField(_("活动名称"), max_length=128)
    template = models.ForeignKey(Template, models.PROTECT, related_name="campaigns", verbose_name=_("模板"))
    context = models.JSONField(_("占位符内容"), default=dict, blank=True)
    channels = models.JSONField(_("发送渠道"), default=list)
    action_url = models.CharField(_("操作链接"), max_length=500, blank=True)
    action_label = models.CharField(_("操作按钮"), max_length=32, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=128)
    state = models.CharField(
        _("状态"), max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    recipient_count = models.PositiveIntegerField(_("收件人数"), default=0)
    excluded_count = models.PositiveIntegerField(_("排除人数"), default=0)  # unknown or deceased
    confirmed = models.BooleanField(_("已确认"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送活动")
        verbose_name_plural = _("推送活动")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    """What became of one campaign recipient (or of one person in a bulk send)."""

    PENDING = "pending", _("待处理")
    SENT = "sent", _("已生成提醒")
    DUPLICATE = "duplicate", _("已推送过(去重)")
    CAPPED = "capped", _("超出频次上限")
    INELIGIBLE = "ineligible", _("不适用(已故或不在自然人库)")


class CampaignRecipient(models.Model):
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="recipients")
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        verbose_name = _("活动收件人")
        verbose_name_plural = _("活动收件人")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="notify_recipient_once"),
        ]
        indexes = [models.Index(fields=["campaign", "outcome"], name="notify_recipient_outcome")]

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} person {self.person_id}: {self.outcome}"


class Notification(models.Model):
    """What the person reads in 我的提醒. `dedupe_key` makes an offer reach a person at most once."""

    person = models.ForeignKey(
        "registry.Person", models.CASCADE, related_name="notifications", verbose_name=_("收件人")
    )
    template = models.ForeignKey(Template, models.PROTECT, related_name="+", verbose_name=_("模板"))
    campaign = models.ForeignKey(
        Campaign, models.SET_NULL, null=True, blank=True, related_name="notifications", verbose_name=_("活动")
    )
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    action_url = models.CharField(_("操作链接"), max_length=500, blank=True)
    action_label = models.CharField(_("操作按钮"), max_length=32, blank=True)
    transactional = models.BooleanField(_("事务性消息"), default=False)
    dedupe_key = models.CharField(_("去重键"), max_length=128, null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notify_notification_once",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="notify_inbox"),
            models.Index(fields=["person", "transactional", "created_at"], name="notify_frequency"),
        ]

    def __str__(self) -> str:
        return f"notification {self.pk} to person {self.person_id}"


class Delivery(models.Model):
    notification = models.ForeignKey(Notification, models.CASCADE, related_name="deliveries")
    campaign = models.ForeignKey(Campaign, models.SET_NULL, null=True, blank=True, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.CREATED)
    due_at = models.DateTimeField(_("计划发送时间"))
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("状态时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        indexes = [
            models.Index(fields=["state", "due_at"], name="notify_delivery_due"),
            models.Index(fields=["campaign", "channel", "state"], name="notify_delivery_stats"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.channel}, {self.state})"


class DeliveryAttempt(models.Model):
    """One call to a provider (or the cancellation of a send), never edited. The recipient is masked."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"))
    outcome = models.CharField(_("结果"), max_length=16, choices=State.choices)
    provider = models.CharField(_("通道"), max_length=32, blank=True)
    provider_ref = models.CharField(_("通道回执号"), max_length=64, blank=True)
    recipient = models.CharField(_("收件地址(脱敏)"), max_length=64, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    retry_at = models.DateTimeField(_("重试时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["delivery_id", "number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.outcome}"
