"""The person library (自然人库, keyed by resident ID number) and the enterprise library (法人库, keyed by
the unified social credit code), with households, family relations and the log of full reads."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.places.models import Division


class Household(models.Model):
    """A household register (户) at an address. Living-alone and family tags are read from it."""

    number = models.CharField(_("户号"), max_length=20, unique=True)
    division = models.ForeignKey(Division, models.PROTECT, related_name="households", verbose_name=_("村居"))
    address = models.CharField(_("住址"), max_length=128)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Status(models.TextChoices):
        ALIVE = "alive", _("在世")
        DECEASED = "deceased", _("已故")

    class HouseholdRole(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        OTHER = "other", _("其他")

    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), db_index=True)
    # 户籍: where the person is registered. Migrants (流动人口) are registered outside the district.
    hukou_division = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("户籍地(本区)")
    )
    hukou_region = models.CharField(_("户籍所在地区码"), max_length=6, db_index=True)
    is_migrant = models.BooleanField(_("流动人口"), default=False, db_index=True)
    # 居住: where the person lives in the district now (a village/community; grids are located from it).
    residence_division = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="residents", verbose_name=_("居住村居")
    )
    residence_address = models.CharField(_("居住地址"), max_length=128, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    household = models.ForeignKey(
        Household, models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("户")
    )
    household_role = models.CharField(
        _("与户主关系"), max_length=16, choices=HouseholdRole.choices, blank=True
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ALIVE)
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人库")
        indexes = [models.Index(fields=["name", "residence_division"], name="person_name_division")]

    def __str__(self) -> str:
        from yimen.common.masking import mask_id_number, mask_name

        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"


class Relation(models.Model):
    """A family relation, stored once per direction so each side can list its own."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("配偶")
        PARENT = "parent", _("父母")  # `relative` is the parent of `person`
        CHILD = "child", _("子女")  # `relative` is the child of `person`
        SIBLING = "sibling", _("兄弟姐妹")
        GUARDIAN = "guardian", _("监护人")

    person = models.ForeignKey(Person, models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, models.CASCADE, related_name="+")
    kind = models.CharField(_("关系"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("亲属关系")
        verbose_name_plural = _("亲属关系")
        constraints = [models.UniqueConstraint(fields=["person", "relative", "kind"], name="relation_unique")]

    def __str__(self):
        # Ids, not names: a relation's label must not put personal data into logs or admin history.
        return f"{self.person_id} -> {self.relative_id}: {self.kind}"


class Enterprise(models.Model):
    class Kind(models.TextChoices):
        LIMITED = "limited", _("有限责任公司")
        JOINT_STOCK = "joint_stock", _("股份有限公司")
        SOLE = "sole", _("个人独资企业")
        PARTNERSHIP = "partnership", _("合伙企业")
        INDIVIDUAL = "individual", _("个体工商户")
        COOPERATIVE = "cooperative", _("农民专业合作社")
        BRANCH = "branch", _("分公司")

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续(在营、开业、在册)")
        CANCELLED = "cancelled", _("注销")
        REVOKED = "revoked", _("吊销")

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=128, db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    industry = models.CharField(_("行业"), max_length=64, blank=True)
    legal_representative = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="represented_enterprises",
        verbose_name=_("法定代表人"),
    )
    registered_address = models.CharField(_("住所"), max_length=128)
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="enterprises", verbose_name=_("所在村居")
    )
    registered_capital = models.DecimalField(
        _("注册资本(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("登记状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    established_date = models.DateField(_("成立日期"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = _("法人库")

    def __str__(self) -> str:
        return self.name


class FullRead(models.Model):
    """One read of unmasked personal data: who, whose, which fields, why. Citizens can see these rows
    for themselves (我的数据我做主); each is also written to the ledger."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, null=True, blank=True, related_name="full_reads")
    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, null=True, blank=True, related_name="full_reads"
    )
    fields = models.JSONField(_("字段"))
    reason = models.CharField(_("事由"), max_length=200)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("个人数据查阅记录")
        verbose_name_plural = _("个人数据查阅记录")

    def __str__(self):
        return f"full read #{self.pk} by user {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


class FieldSource(models.Model):
    """Where a registry field's current value came from (数据沉淀): one row per field a case changed.
    The old value is kept only as a keyed digest; the new value's source is the case (`cases.case:<id>`)."""

    person = models.ForeignKey(Person, models.CASCADE, null=True, blank=True, related_name="field_sources")
    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, null=True, blank=True, related_name="field_sources"
    )
    field = models.CharField(_("字段"), max_length=32)
    old_digest = models.CharField(_("原值摘要"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=64, db_index=True)
    source_label = models.CharField(_("来源说明"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("数据来源")
        verbose_name_plural = _("数据来源")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, enterprise__isnull=True)
                | models.Q(person__isnull=True, enterprise__isnull=False),
                name="field_source_one_subject",
            )
        ]

    def __str__(self):
        return f"{self.field} <- {self.source}"

    def get_field_label(self) -> str:
        model = Person if self.person_id else Enterprise
        return str(model._meta.get_field(self.field).verbose_name)


class FusionRun(models.Model):
    """One load of a fusion output (融合库 -> 自然人库/法人库) into the registry: which files, what changed,
    who ran it. `registry.fusion_load.fused_load` writes it; the ledger entry of the load points here."""

    class Status(models.TextChoices):
        RUNNING = "running", _("加载中")
        FINISHED = "finished", _("已完成")
        FAILED = "failed", _("失败")

    out_dir = models.CharField(_("融合输出目录"), max_length=500)
    run_digest = models.CharField(_("run.json 摘要"), max_length=64)
    persons_digest = models.CharField(_("persons.parquet 摘要"), max_length=64)
    enterprises_digest = models.CharField(_("enterprises.parquet 摘要"), max_length=64, blank=True)
    summary = models.JSONField(_("融合运行概要"), default=dict, blank=True)
    counts = models.JSONField(_("加载统计"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("融合加载")
        verbose_name_plural = _("融合加载")

    def __str__(self):
        return f"fusion load #{self.pk} ({self.status})"


class FieldLineage(models.Model):
    """Where a registry field's value came from in the fused store (血缘): the winning source, its
    department, the source record and the extract date. One current row per subject and field, updated in
    place when a later load brings another value or source. The value itself is kept only as a keyed
    digest (`services.value_digest`): it tells whether the registry still holds what fusion loaded."""

    # The unique constraints below lead with the subject, so they serve lookups by person/enterprise; a
    # separate FK index on ~7 rows per person would only double the table's index size.
    person = models.ForeignKey(
        Person, models.CASCADE, null=True, blank=True, related_name="lineage", db_index=False
    )
    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, null=True, blank=True, related_name="lineage", db_index=False
    )
    field = models.CharField(_("字段"), max_length=32)
    value_digest = models.CharField(_("值摘要"), max_length=64)
    source = models.CharField(_("来源"), max_length=64)
    department = models.CharField(_("来源部门"), max_length=64, blank=True)
    record_id = models.CharField(_("来源记录"), max_length=64, blank=True)
    as_of = models.DateField(_("数据日期"), null=True, blank=True)
    conflicts = models.PositiveSmallIntegerField(_("冲突值个数"), default=0)
    run = models.ForeignKey(FusionRun, models.PROTECT, related_name="+", db_index=False)
    loaded_at = models.DateTimeField(_("加载时间"))

    DERIVED_PREFIX = "derived:"  # e.g. `derived:id_number`: gender and birth date read from the ID number

    class Meta:
        ordering = ["id"]
        verbose_name = _("数据血缘")
        verbose_name_plural = _("数据血缘")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, enterprise__isnull=True)
                | models.Q(person__isnull=True, enterprise__isnull=False),
                name="field_lineage_one_subject",
            ),
            models.UniqueConstraint(
                fields=["person", "field"],
                condition=models.Q(person__isnull=False),
                name="field_lineage_person_field",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "field"],
                condition=models.Q(enterprise__isnull=False),
                name="field_lineage_enterprise_field",
            ),
        ]

    def __str__(self):
        return f"{self.field} <- {self.source}:{self.record_id}"

    @property
    def derived_from(self) -> str:
        """The field this value was derived from (`id_number`), or "" for a value a source supplied."""
        return (
            self.source.removeprefix(self.DERIVED_PREFIX)
            if self.source.startswith(self.DERIVED_PREFIX)
            else ""
        )

    def get_field_label(self) -> str:
        model = Person if self.person_id else Enterprise
        return str(model._meta.get_field(self.field).verbose_name)
