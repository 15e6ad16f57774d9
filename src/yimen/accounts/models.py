"""Users: citizens, enterprise agents and staff, with a role, an identity assurance level and a scope."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("市民")
    ENTERPRISE_AGENT = "enterprise_agent", _("企业经办人")
    WINDOW_CLERK = "window_clerk", _("综合窗口人员")
    APPROVER = "approver", _("后台审批人员")
    DEPARTMENT_HANDLER = "department_handler", _("部门处置人员")
    GRID_WORKER = "grid_worker", _("网格员")
    HOTLINE_OPERATOR = "hotline_operator", _("12345热线话务员")
    COMMAND_CENTRE = "command_centre", _("指挥中心")
    DATA_ADMIN = "data_admin", _("数据管理员(政数局)")
    AUDITOR = "auditor", _("审计与纪检")
    ADMINISTRATOR = "administrator", _("系统管理员")


class AssuranceLevel(models.IntegerChoices):
    L1 = 1, _("L1 自行注册")
    L2 = 2, _("L2 线上实名核验")
    L3 = 3, _("L3 窗口现场核验")


class User(AbstractUser):
    role = models.CharField(
        _("角色"), max_length=32, choices=Role.choices, default=Role.CITIZEN, db_index=True
    )
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    assurance_level = models.PositiveSmallIntegerField(
        _("身份核验等级"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    # Staff scope: a department and/or a division subtree. Empty means the whole district.
    department = models.ForeignKey(
        "places.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所属部门"),
    )
    division = models.ForeignKey(
        "places.Division", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("管辖区划")
    )
    # A citizen's own record in the person library (linked once identity is verified, L2+).
    person = models.OneToOneField(
        "registry.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("本人"),
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("代办企业"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_citizen_side(self) -> bool:
        return self.role in (Role.CITIZEN, Role.ENTERPRISE_AGENT)

    @property
    def can_workbench(self) -> bool:
        return self.can("portal.workbench.use")

    def can(self, capability: str) -> bool:
        from yimen.accounts.roles import role_can

        return self.is_active and (self.is_superuser or role_can(self.role, capability))
