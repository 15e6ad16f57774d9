"""A crafted set of Chancheng enterprises for the shipped policies: for each policy some that qualify and
some that just do not (a day short, one 万元 over, a branch, an expired licence, cancelled). Dates are
relative to TODAY so the expected matches never drift. Also a subsidy item whose materials the government
holds, with an application form, for the one-click application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from yimen.accounts.models import Role
from yimen.catalog.tests.factories import ItemVersionFactory, MaterialFactory, ServiceItemFactory
from yimen.catalog.tests.factories import department as catalog_department
from yimen.policies.definitions import PolicySpec
from yimen.proactive.tests.factories import FOOD_LICENCE, Population, catalog_items, certificate
from yimen.registry.tests.factories import EnterpriseFactory, PersonFactory, UserFactory, chancheng

TODAY = dt.date(2026, 6, 15)
LOAN_ITEM = "1144060400752320XJ4200112006000"  # 创业担保贷款申请 (the sample catalog's code)
SUBSIDY_ITEM = "11440604MB2C03257C4040199001000"  # a test item: 技术改造补助申领

SUBSIDY_FORM = {
    "type": "object",
    "required": ["company", "legal_person", "contact_phone"],
    "properties": {
        "company": {"type": "string", "title": "企业名称"},
        "legal_person": {"type": "string", "title": "法定代表人"},
        "contact_phone": {"type": "string", "title": "联系电话"},
        "capital": {"type": "number", "title": "注册资本(万元)"},
        "project": {"type": "string", "title": "申报项目"},
    },
}


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@dataclass
class PolicyWorld:
    places: dict
    items: dict
    pop: Population  # for proactive's certificate helper
    e: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def eids(self, *labels: str) -> set[int]:
        return {self.e[label].pk for label in labels}


def loan_item():
    version = ItemVersionFactory(
        published=True,
        item=ServiceItemFactory(implementation_code=LOAN_ITEM),
        name="创业担保贷款申请",
        department=catalog_department("RSJ"),
        service_object="both",
        accept_levels=["district", "street"],
    )
    MaterialFactory(
        version=version,
        key="business_licence",
        name="营业执照",
        source="e_certificate",
        source_ref="营业执照",
    )
    MaterialFactory(version=version, key="loan_application", name="创业担保贷款申请书")
    MaterialFactory(version=version, key="business_plan", name="创业项目计划书")
    return version


def subsidy_item():
    """An enterprise subsidy whose materials are all held by the government: one click files it."""
    version = ItemVersionFactory(
        published=True,
        item=ServiceItemFactory(implementation_code=SUBSIDY_ITEM),
        name="技术改造补助申领",
        kind="benefit",
        department=catalog_department("SCJ"),
        service_object="legal_person",
        accept_levels=["district"],
        form_schema=SUBSIDY_FORM,
        online_depth=4,
    )
    MaterialFactory(
        version=version,
        key="business_licence",
        name="营业执照",
        source="e_certificate",
        source_ref="营业执照",
    )
    MaterialFactory(
        version=version,
        key="tax_record",
        name="上年度纳税证明",
        source="government_data",
        source_ref="tax.payment_record",
    )
    return version


def subsidy_spec(**overrides) -> PolicySpec:
    """A valid policy on the subsidy item: 五金机械 enterprises, form pre-filled from the registry."""
    values = {
        "code": "tech_upgrade_subsidy",
        "name": "工业企业技术改造补助",
        "department": "SCJ",
        "benefit": "按设备投资额的10%补助，最高50万元",
        "rule": {"all": [{"field": "industry", "op": "eq", "value": "五金机械"}]},
        "item": SUBSIDY_ITEM,
        "prefill": {
            "company": "enterprise.name",
            "legal_person": "legal_representative.name",
            "contact_phone": "legal_representative.phone",
            "capital": "enterprise.registered_capital",
        },
    }
    values.update(overrides)
    return PolicySpec(**values)


def enterprise(label: str, w: PolicyWorld, **kw):
    kw.setdefault("kind", "limited")
    kw.setdefault("industry", "零售")
    kw.setdefault("division", w.places["peide"])
    kw.setdefault("name", f"佛山市禅城区{label}有限公司")
    w.e[label] = EnterpriseFactory(**kw)
    return w.e[label]


def world_build() -> PolicyWorld:
    from yimen.notify.services import templates_load
    from yimen.proactive.services import tags_load

    places = chancheng()
    items = catalog_items()  # the items tags.yaml names (food licence among them)
    for code in ("SCJ", "RSJ", "WGJ"):
        catalog_department(code)
    items[LOAN_ITEM] = loan_item()
    items[SUBSIDY_ITEM] = subsidy_item()
    clerk = UserFactory(role=Role.WINDOW_CLERK)
    w = PolicyWorld(places, items, Population(places, items, clerk))
    tags_load(actor="system")
    templates_load(only_missing=True)

    enterprise("new_ltd", w, established_date=days_ago(365), registered_capital=Decimal("100"))
    enterprise("new_ltd_366", w, established_date=days_ago(366), registered_capital=Decimal("600"))
    enterprise("new_branch", w, kind="branch", established_date=days_ago(10))
    enterprise("cancelled_new", w, established_date=days_ago(10), status="cancelled")
    enterprise(
        "old_ltd",
        w,
        industry="五金机械",
        established_date=dt.date(2020, 1, 1),
        registered_capital=Decimal("1000"),
    )
    enterprise(
        "old_ltd_big",
        w,
        industry="五金机械",
        established_date=dt.date(2020, 1, 1),
        registered_capital=Decimal("1000.01"),
    )
    enterprise("restaurant", w, kind="individual", industry="餐饮", established_date=dt.date(2019, 1, 1))
    enterprise(
        "retail_licensed",
        w,
        kind="sole",
        established_date=dt.date(2018, 1, 1),
        registered_capital=Decimal("50"),
    )
    certificate(
        w.pop, FOOD_LICENCE, enterprise=w.e["retail_licensed"], days_ago=400, valid_until=days_ago(-500)
    )
    enterprise(
        "retail_expired_licence",
        w,
        kind="sole",
        established_date=dt.date(2018, 1, 1),
        registered_capital=Decimal("2000"),
    )
    certificate(
        w.pop, FOOD_LICENCE, enterprise=w.e["retail_expired_licence"], days_ago=1900, valid_until=days_ago(1)
    )
    enterprise("salon_181", w, kind="individual", industry="美容美发", established_date=days_ago(181))
    enterprise("new_salon", w, kind="individual", industry="美容美发", established_date=days_ago(180))
    enterprise(
        "travel_agency",
        w,
        industry="文化旅游",
        established_date=dt.date(2021, 1, 1),
        registered_capital=Decimal("50"),
    )
    enterprise(
        "new_culture", w, industry="文化旅游", established_date=days_ago(30), registered_capital=Decimal("10")
    )
    w.users = {
        "agent_old_ltd": UserFactory(role=Role.ENTERPRISE_AGENT, enterprise=w.e["old_ltd"]),
        "agent_new_ltd": UserFactory(role=Role.ENTERPRISE_AGENT, enterprise=w.e["new_ltd"]),
        "agent_restaurant": UserFactory(role=Role.ENTERPRISE_AGENT, enterprise=w.e["restaurant"]),
        "citizen": UserFactory(role=Role.CITIZEN, person=PersonFactory()),
        "data_admin": UserFactory(role=Role.DATA_ADMIN),
        "approver": UserFactory(role=Role.APPROVER),
        "clerk": clerk,
    }
    return w


# Which crafted enterprises each shipped policy reaches on TODAY.
EXPECTED = {
    "new_enterprise_free_seal": {"new_ltd", "salon_181", "new_salon", "new_culture"},
    "unemployment_insurance_refund": {"new_ltd_366", "old_ltd", "retail_licensed", "travel_agency"},
    "catering_consumption_support": {"restaurant", "retail_licensed"},
    "individual_business_relief": {"restaurant", "salon_181"},
    "startup_guarantee_loan_subsidy": {"new_ltd", "salon_181", "new_salon", "new_culture"},
    "culture_tourism_support": {"travel_agency"},
}
