"""Factories for places, accounts and registry rows used across tests, with traits for common states."""

import datetime as dt

import factory

from yimen.accounts.models import Role, User
from yimen.common.identity import make_id_number
from yimen.places.models import Department, Division
from yimen.registry.models import Enterprise, Person


def division(code: str, name: str, level: int, parent: Division | None = None) -> Division:
    obj, _ = Division.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "parent": parent,
            "path": (parent.path if parent else "/") + code + "/",
        },
    )
    return obj


def chancheng() -> dict[str, Division]:
    """District, two streets and two villages in each: enough to test division scope."""
    d = division("440604", "禅城区", 1)
    zm = division("440604012", "祖庙街道", 2, d)
    sw = division("440604010", "石湾镇街道", 2, d)
    return {
        "district": d,
        "zumiao": zm,
        "shiwan": sw,
        "peide": division("440604012013", "培德社区居委会", 4, zm),
        "dongcheng": division("440604012005", "东城社区居委会", 4, zm),
        "lanshi": division("440604010001", "澜石社区居委会", 4, sw),
    }


def department(code: str, name: str, kind: str = "district") -> Department:
    district = division("440604", "禅城区", 1)
    obj, _ = Department.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "division": district}
    )
    return obj


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: ["陈志明", "李丽芳", "黄伟强", "梁嘉欣", "张国栋"][n % 5])
    # Every 97 days from 1950, wrapping after 2019 so a long test session never reaches future dates.
    birth_date = factory.Sequence(lambda n: dt.date(1950, 1, 1) + dt.timedelta(days=97 * (n % 260)))
    gender = factory.Sequence(lambda n: "M" if n % 2 else "F")
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_id_number("440604", o.birth_date, (n * 2 + (1 if o.gender == "M" else 0)) % 1000)
    )
    hukou_region = "440604"
    residence_address = factory.Sequence(lambda n: f"培德社区福宁路{n + 1}号")
    phone = factory.Sequence(lambda n: f"138{n:08d}")

    class Params:
        deceased = factory.Trait(status=Person.Status.DECEASED, death_date=dt.date(2025, 5, 1))
        migrant = factory.Trait(is_migrant=True, hukou_region="450881")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(
        lambda n: __import__("yimen.common.identity", fromlist=["make_uscc"]).make_uscc(
            "9", "1", "440604", f"MA{n:06d}"
        )
    )
    name = factory.Sequence(lambda n: f"佛山市禅城区鸿运餐饮店{n}")
    kind = "individual"
    industry = "餐饮"
    registered_address = "佛山市禅城区祖庙路1号首层"
    established_date = dt.date(2020, 1, 1)
    legal_representative = factory.SubFactory(PersonFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
