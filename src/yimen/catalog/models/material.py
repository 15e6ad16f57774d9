from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialFormat(models.TextChoices):
    PAPER_ORIGINAL = "paper_original", _("纸质原件")
    PAPER_COPY = "paper_copy", _("纸质复印件")
    ELECTRONIC = "electronic", _("电子件")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人提供")
    GOVERNMENT_DATA = "government_data", _("政府部门核发或共享数据")
    E_CERTIFICATE = "e_certificate", _("电子证照")


class Material(models.Model):
    """A material (申请材料) one version of an item asks for. `key` is a stable slug: the same material in
    several items of a theme (e.g. `id_card`, `business_licence`) is asked for once."""

    version = models.ForeignKey(
        "catalog.ItemVersion", models.CASCADE, related_name="materials", verbose_name=_("事项版本")
    )
    key = models.SlugField(_("材料标识"), max_length=64)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    format = models.CharField(
        _("材料形式"), max_length=16, choices=MaterialFormat.choices, default=MaterialFormat.ELECTRONIC
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    source = models.CharField(
        _("来源渠道"), max_length=16, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    # Where the government already holds it: a registry resource ("registry.person") or a certificate type.
    source_ref = models.CharField(_("共享来源"), max_length=128, blank=True)
    notes = models.TextField(_("填报须知"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["version_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="catalog_material_unique_key")]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.name

    @property
    def reused(self) -> bool:
        """True when the applicant need not upload it: the government already holds it (免提交)."""
        return self.source != MaterialSource.APPLICANT
