"""Catalog factories. Departments and users are made here too (places/accounts have no factories the
catalog can rely on yet); `department_all()` creates every department the sample catalog uses."""

from __future__ import annotations

import factory
from django.utils import timezone

from yimen.accounts.models import Role, User
from yimen.catalog.models import ItemVersion, LifeStage, Material, ServiceItem, Theme, ThemeItem
from yimen.catalog.models.item import VersionStatus
from yimen.places.models import Department, Division

DEPARTMENTS = {
    "CGJ": "禅城区城市管理和综合执法局",
    "HBJ": "佛山市生态环境局禅城分局",
    "ZJJ": "禅城区住房城乡建设和水利局",
    "JTJ": "禅城区交通运输局",
    "JJD": "佛山市公安局交通警察支队禅城大队",
    "GAJ": "佛山市公安局禅城分局",
    "YJJ": "禅城区应急管理局",
    "XFJ": "禅城区消防救援大队",
    "SCJ": "禅城区市场监督管理局",
    "RSJ": "禅城区人力资源和社会保障局",
    "WJJ": "禅城区卫生健康局",
    "JYJ": "禅城区教育局",
    "MZJ": "禅城区民政局",
    "ZRJ": "佛山市自然资源局禅城分局",
    "NYJ": "禅城区农业农村局",
    "WGJ": "禅城区文化广电旅游体育局",
    "YBJ": "禅城区医疗保障局",
    "ZSJ": "禅城区政务服务数据管理局",
    "SWJ": "国家税务总局佛山市禅城区税务局",
    "CL": "禅城区残疾人联合会",
    "GJJ": "佛山市住房公积金管理中心禅城管理部",
    "SFJ": "禅城区司法局",
    "TYJ": "禅城区退役军人事务局",
}
STREET_OFFICES = {
    "JD440604010": ("石湾镇街道办事处", "440604010"),
    "JD440604011": ("张槎街道办事处", "440604011"),
    "JD440604012": ("祖庙街道办事处", "440604012"),
    "JD440604100": ("南庄镇人民政府", "440604100"),
}


def district() -> Division:
    division, _ = Division.objects.get_or_create(
        code="440604", defaults={"name": "禅城区", "level": Division.Level.DISTRICT, "path": "/440604/"}
    )
    return division


def street(code: str, name: str) -> Division:
    parent = district()
    division, _ = Division.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": Division.Level.STREET,
            "parent": parent,
            "path": f"{parent.path}{code}/",
        },
    )
    return division


def department(code: str) -> Department:
    """The department with this code (one of DEPARTMENTS / STREET_OFFICES), created if missing."""
    if code in STREET_OFFICES:
        name, division_code = STREET_OFFICES[code]
        division, kind = (
            street(division_code, name.replace("办事处", "").replace("人民政府", "")),
            "street_office",
        )
    else:
        name, division, kind = DEPARTMENTS.get(code, f"{code} 部门"), district(), "district"
    obj, _ = Department.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "division": division}
    )
    return obj


def department_all() -> list[Department]:
    return [department(code) for code in [*DEPARTMENTS, *STREET_OFFICES]]


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.LazyAttribute(lambda o: DEPARTMENTS.get(o.code, f"测试部门{o.code}"))
    kind = Department.Kind.DISTRICT
    division = factory.LazyFunction(district)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.CITIZEN

    class Params:
        handler = factory.Trait(role=Role.DEPARTMENT_HANDLER)
        approver = factory.Trait(role=Role.APPROVER)
        data_admin = factory.Trait(role=Role.DATA_ADMIN, department=None)


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    basic_code = factory.Sequence(lambda n: f"2000{n:08d}")
    implementation_code = factory.Sequence(lambda n: f"114406040000000001{n:013d}")


class ItemVersionFactory(factory.django.DjangoModelFactory):
    """A draft by default; `published=True` publishes it and points the item at it; `retired=True`."""

    class Meta:
        model = ItemVersion
        skip_postgeneration_save = True

    item = factory.SubFactory(ServiceItemFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.DRAFT
    name = factory.Sequence(lambda n: f"测试事项{n}")
    kind = "public_service"
    department = factory.SubFactory(DepartmentFactory, code="MZJ")
    service_object = "natural_person"
    accept_levels = factory.LazyFunction(lambda: ["district"])
    statutory_limit_days = 20
    promised_limit_days = 5
    limit_day_type = "working"
    visits_required = "1"
    online_depth = 3
    fee = "不收费"
    conditions = "符合条件的申请人"

    class Params:
        published = factory.Trait(
            status=VersionStatus.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )
        retired = factory.Trait(status=VersionStatus.RETIRED, published_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def point(obj, create, extracted, **kwargs):
        if create and obj.status == VersionStatus.PUBLISHED:
            obj.item.current_version = obj
            obj.item.save(update_fields=["current_version"])

    @factory.post_generation
    def life_stages(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.life_stages.set(LifeStage.objects.filter(code__in=extracted))

    @factory.post_generation
    def with_materials(obj, create, extracted, **kwargs):
        """`with_materials=["id_card", ...]` adds one material per key."""
        if create and extracted:
            for order, key in enumerate(extracted):
                MaterialFactory(version=obj, key=key, name=f"材料 {key}", order=order)


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    version = factory.SubFactory(ItemVersionFactory)
    key = factory.Sequence(lambda n: f"material_{n}")
    name = factory.Sequence(lambda n: f"材料{n}")
    order = factory.Sequence(lambda n: n)

    class Params:
        government = factory.Trait(source="government_data", source_ref="registry.person")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"测试主题{n}")
    promised_days = 10
    published = True

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        if create and extracted:
            for order, item in enumerate(extracted):
                ThemeItem.objects.create(theme=obj, item=item, order=order)
