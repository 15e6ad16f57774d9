from django.db import models
from django.utils.translation import gettext_lazy as _


class Theme(models.Model):
    """A theme (主题办, e.g. 我要开餐馆): several items applied for together, with merged materials and one
    promised time limit for the whole (parallel approval)."""

    code = models.SlugField(_("主题代码"), max_length=64, unique=True)
    name = models.CharField(_("主题名称"), max_length=64)
    description = models.TextField(_("说明"), blank=True)
    life_stage = models.ForeignKey(
        "catalog.LifeStage",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="themes",
        verbose_name=_("人生阶段"),
    )
    lead_department = models.ForeignKey(
        "places.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("牵头部门"),
    )
    items = models.ManyToManyField(
        "catalog.ServiceItem", through="catalog.ThemeItem", related_name="themes", verbose_name=_("包含事项")
    )
    promised_days = models.PositiveSmallIntegerField(_("承诺办结时限(工作日)"))
    published = models.BooleanField(_("已发布"), default=False, db_index=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("主题")
        verbose_name_plural = _("主题")

    def __str__(self) -> str:
        return self.name


class ThemeItem(models.Model):
    theme = models.ForeignKey(Theme, models.CASCADE, related_name="theme_items")
    item = models.ForeignKey("catalog.ServiceItem", models.PROTECT, related_name="theme_items")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["theme_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["theme", "item"], name="catalog_theme_item_unique")]
        verbose_name = _("主题事项")
        verbose_name_plural = _("主题事项")

    def __str__(self) -> str:
        return f"{self.theme_id}:{self.order}"
