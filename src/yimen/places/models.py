"""The five levels of the district (区-镇街-片区-村居-网格) and the departments that serve them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """One node of the division tree. Official codes for district, streets/towns and villages/communities
    (统计用区划代码); generated codes for areas (片区, street code + `P` + 2 digits) and grids (网格,
    village code + 3 digits). `path` is the chain of codes from the district down, so a subtree is one
    prefix query: the basis of every division scope check."""

    class Level(models.IntegerChoices):
        DISTRICT = 1, _("区")
        STREET = 2, _("镇街")
        AREA = 3, _("片区")
        VILLAGE = 4, _("村居")
        GRID = 5, _("网格")

    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(_("层级路径"), max_length=200, db_index=True, editable=False)
    # GeoJSON geometry (Polygon/MultiPolygon, lng/lat) for areas, villages and grids; null where unknown.
    geometry = models.JSONField(_("边界"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def short_name(self) -> str:
        """`澜石社区居委会` -> `澜石社区`, `XX村委会` -> `XX村`: the name people say."""
        for suffix, short in (("社区居委会", "社区"), ("居委会", "社区"), ("村委会", "村")):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)] + short
        return self.name

    def build_path(self) -> str:
        return f"{self.parent.path}{self.code}/" if self.parent_id else f"/{self.code}/"

    def ancestors(self) -> list["Division"]:
        """From the district down to (and including) this division, in one query."""
        codes = [c for c in self.path.strip("/").split("/") if c]
        by_code = {d.code: d for d in Division.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def contains(self, other: "Division") -> bool:
        return other.path.startswith(self.path)


class Department(models.Model):
    """A district department (区直部门, from the event taxonomy) or a street/town office (镇街办事处)."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("区直部门")
        STREET_OFFICE = "street_office", _("镇街办事处")

    code = models.CharField(_("部门代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="departments", verbose_name=_("所属区划")
    )
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True)
    address = models.CharField(_("办公地址"), max_length=128, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class GridGeneration(models.Model):
    """What generated the areas and grids now stored (one row): parameters and digests.

    `services.grids_generate` compares them to skip work that is already done; `stamp` is a digest of
    every grid's code and geometry (the same inputs always give the same stamp); the locator rebuilds its
    index when `revision` changes."""

    scale = models.CharField(_("规模"), max_length=16)
    seed = models.BigIntegerField(_("随机种子"))
    generator_version = models.PositiveSmallIntegerField(_("生成器版本"))
    # Digest of what decides area membership (seed, version, village codes): when it changes areas are replaced.
    area_key = models.CharField(max_length=64)
    # Digest of what decides grid geometry (area_key inputs + scale): when it changes grids are replaced.
    layout_key = models.CharField(max_length=64)
    # layout_key inputs + the names used in generated names: equal means there is nothing to do.
    input_key = models.CharField(max_length=64)
    stamp = models.CharField(_("网格摘要"), max_length=64)
    # New at every write, even of identical content (rows get new ids): the locator's cache key.
    revision = models.CharField(max_length=32)
    area_count = models.PositiveIntegerField(default=0)
    grid_count = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(_("生成时间"), auto_now=True)

    class Meta:
        verbose_name = _("网格生成记录")
        verbose_name_plural = _("网格生成记录")

    def __str__(self) -> str:
        return f"{self.scale}/{self.seed}: {self.grid_count} grids"
