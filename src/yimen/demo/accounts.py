"""The demo accounts `make run` prints: one per role, scoped like real staff would be."""

from __future__ import annotations

import datetime as dt

from yimen.accounts import services as account_services
from yimen.accounts.models import AssuranceLevel, Role, User
from yimen.demo.world import REFERENCE_DATE
from yimen.places.models import Department, Division
from yimen.registry.models import Enterprise, Person

DEMO_PASSWORD = "Yimen@2026"

# username, role, full name, department code, division code, what they do
DEMO_ACCOUNTS = [
    ("admin", Role.ADMINISTRATOR, "系统管理员", "ZSJ", None, "后台管理、节假日表、用户"),
    ("clerk", Role.WINDOW_CLERK, "陈晓雯", "ZSJ", None, "区行政服务中心综合窗口：识别申请人、受理任何事项"),
    ("clerk_zm", Role.WINDOW_CLERK, "梁嘉欣", "JD440604012", "440604012", "祖庙街道便民服务中心综合窗口"),
    ("approver_mz", Role.APPROVER, "黄志强", "MZJ", None, "民政局后台审批(老年人优待证、低保、高龄津贴)"),
    ("approver_sc", Role.APPROVER, "李敏", "SCJ", None, "市场监管局后台审批(营业执照、食品经营许可)"),
    ("approver_rs", Role.APPROVER, "何俊杰", "RSJ", None, "人社局后台审批(参保证明、养老金资格认证)"),
    (
        "approver_wj",
        Role.APPROVER,
        "陈慧敏",
        "WJJ",
        None,
        "卫健局后台审批(生育登记、免费产检券、出生医学证明)",
    ),
    ("handler_hb", Role.DEPARTMENT_HANDLER, "林静", "HBJ", None, "生态环境分局事件处置"),
    ("handler_cg", Role.DEPARTMENT_HANDLER, "罗国栋", "CGJ", None, "城管执法局事件处置"),
    ("grid_zm", Role.GRID_WORKER, "吴嘉豪", "JD440604012", "440604012", "祖庙街道网格员"),
    ("hotline", Role.HOTLINE_OPERATOR, "郑慧", "ZSJ", None, "12345热线话务员"),
    ("command", Role.COMMAND_CENTRE, "冯振东", "ZSJ", None, "区社会综合治理指挥中心"),
    ("dataadmin", Role.DATA_ADMIN, "谭婉琳", "ZSJ", None, "政数局数据管理员"),
    ("auditor", Role.AUDITOR, "麦永康", "ZSJ", None, "区纪委监委审计(廉政风险预警)"),
]


def _elderly_citizen() -> Person | None:
    """A resident of 祖庙街道 aged 72-79, alive, registered locally: eligible for 老年人优待证."""
    lo = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 80) + dt.timedelta(days=1)
    hi = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 72)
    return (
        Person.objects.filter(
            status=Person.Status.ALIVE,
            is_migrant=False,
            birth_date__range=(lo, hi),
            residence_division__code__startswith="440604012",
            account__isnull=True,
        )
        .order_by("id")
        .first()
    )


def _restaurant() -> Enterprise | None:
    return Enterprise.objects.filter(status="active", industry="餐饮").order_by("id").first()


def demo_accounts_ensure() -> list[dict]:
    """Create the demo accounts that do not exist yet; return all of them for printing."""
    departments = {d.code: d for d in Department.objects.all()}
    divisions = {d.code: d for d in Division.objects.filter(level__lte=Division.Level.STREET)}
    rows = []
    for username, role, name, dept, division, what in DEMO_ACCOUNTS:
        if not User.objects.filter(username=username).exists():
            account_services.user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                full_name=name,
                department=departments.get(dept),
                division=divisions.get(division) if division else None,
                assurance_level=AssuranceLevel.L3,
                actor="demo-loader",
            )
        rows.append({"username": username, "role": Role(role).label, "what": what})
    if not User.objects.filter(username="citizen").exists():
        person = _elderly_citizen()
        if person:
            account_services.user_create(
                username="citizen",
                password=DEMO_PASSWORD,
                role=Role.CITIZEN,
                full_name=person.name,
                person=person,
                assurance_level=AssuranceLevel.L2,
                actor="demo-loader",
            )
    citizen = User.objects.filter(username="citizen").select_related("person").first()
    if citizen:
        age = (REFERENCE_DATE - citizen.person.birth_date).days // 365 if citizen.person else "?"
        rows.append(
            {"username": "citizen", "role": Role.CITIZEN.label, "what": f"市民(祖庙街道，{age}岁，已实名L2)"}
        )
    if not User.objects.filter(username="agent").exists():
        enterprise = _restaurant()
        if enterprise:
            account_services.user_create(
                username="agent",
                password=DEMO_PASSWORD,
                role=Role.ENTERPRISE_AGENT,
                full_name="企业经办人",
                enterprise=enterprise,
                assurance_level=AssuranceLevel.L2,
                actor="demo-loader",
            )
    agent = User.objects.filter(username="agent").select_related("enterprise").first()
    if agent:
        rows.append(
            {
                "username": "agent",
                "role": Role.ENTERPRISE_AGENT.label,
                "what": f"{agent.enterprise.name} 经办人",
            }
        )
    return rows
