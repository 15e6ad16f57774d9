from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LifeStage(models.Model):
    """One of the eight life stages (人生八件事) the portal and proactive push (推送办) are organised by.

    Rows are seeded by a data migration; `code` is stable and referred to from YAML and push rules."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=16)
    name_en = models.CharField(_("英文名称"), max_length=32, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("人生阶段")
        verbose_name_plural = _("人生阶段")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active UI language (the English name when the page is in English)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name
