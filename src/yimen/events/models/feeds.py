"""Machine feeds into event intake: IoT sensors (物联感知) and public-opinion posts (网络舆情).

A SensorDevice raises an event of its subcategory through the normal intake when a reading crosses its
threshold; further crossing readings while that event is open are attached to it as SensorReadings.
An OpinionPost remembers which post (by URL) became which report, so a re-import skips it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SensorDevice(models.Model):
    """A sensor in the field: where it is (its grid from the locator), what it measures, the rule that
    makes a reading an event, and the Open311 client (the IoT platform) whose key may post its readings."""

    class Kind(models.TextChoices):
        WATER_LEVEL = "water_level", _("水位")
        NOISE = "noise", _("噪声")
        SMOKE = "smoke", _("烟感")
        MANHOLE = "manhole", _("井盖位移")

    class Rule(models.TextChoices):
        ABOVE = "above", _("读数高于阈值时报警")
        BELOW = "below", _("读数低于阈值时报警")

    code = models.CharField(_("设备编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    address = models.CharField(_("安装位置"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "places.Division", models.PROTECT, related_name="+", verbose_name=_("网格"), editable=False
    )
    subcategory = models.ForeignKey(
        "events.Subcategory", models.PROTECT, related_name="+", verbose_name=_("报警事件小类")
    )
    threshold = models.FloatField(_("阈值"))
    rule = models.CharField(_("报警规则"), max_length=8, choices=Rule.choices, default=Rule.ABOVE)
    owner = models.ForeignKey(
        "events.Open311Client", models.PROTECT, related_name="sensors", verbose_name=_("接入客户端")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("感知设备")
        verbose_name_plural = _("感知设备")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def crosses(self, value: float) -> bool:
        """Does this reading call for an event?"""
        return value > self.threshold if self.rule == self.Rule.ABOVE else value < self.threshold


class SensorReading(models.Model):
    """A reading over the threshold, kept with the event it raised or was attached to."""

    device = models.ForeignKey(SensorDevice, models.PROTECT, related_name="readings")
    event = models.ForeignKey("events.Event", models.PROTECT, related_name="sensor_readings")
    value = models.FloatField(_("读数"))
    at = models.DateTimeField(_("测量时间"))
    received_at = models.DateTimeField(_("接收时间"), db_index=True)
    opened_event = models.BooleanField(default=False)  # this reading raised the event

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("感知读数")
        verbose_name_plural = _("感知读数")
        indexes = [models.Index(fields=["device", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.value} @ {self.at}"


class OpinionPost(models.Model):
    """A public-opinion post (网络舆情) imported as a report; the URL makes a re-import idempotent."""

    url = models.URLField(_("原文链接"), max_length=500, unique=True)
    source = models.CharField(_("来源平台"), max_length=64)
    posted_at = models.DateTimeField(_("发布时间"))
    report = models.OneToOneField("events.Report", models.PROTECT, related_name="opinion")
    imported_at = models.DateTimeField(_("导入时间"))

    class Meta:
        ordering = ["-posted_at"]
        verbose_name = _("网络舆情")
        verbose_name_plural = _("网络舆情")

    def __str__(self) -> str:
        return self.url
