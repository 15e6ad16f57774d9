"""The working-day calendar: official holidays and adjusted working days (调休), editable by an administrator."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班")

    class Source(models.TextChoices):
        CHINESE_CALENDAR = "chinese-calendar", _("chinese-calendar 软件包")
        ADMIN = "admin", _("管理员录入")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=32, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose official calendar is in the table. Years not listed fall back to plain weekends."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=32, choices=CalendarDay.Source.choices)
    complete = models.BooleanField(_("已录入国务院办公厅通知"), default=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已录入年份")
        verbose_name_plural = _("已录入年份")

    def __str__(self) -> str:
        return str(self.year)
