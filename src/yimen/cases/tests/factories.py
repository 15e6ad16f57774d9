"""A small one-door world for case tests, and `case_in(world, status)` that drives a case to a status
through the services themselves (so a factory-made case is a case the services could have made)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yimen.accounts.models import Role
from yimen.cases import services
from yimen.cases.models import Case, Channel, Status
from yimen.catalog.tests.factories import ItemVersionFactory, MaterialFactory
from yimen.registry.tests.factories import (
    EnterpriseFactory,
    PersonFactory,
    UserFactory,
    chancheng,
    department,
)

ELDER_FORM = {
    "type": "object",
    "required": ["card_form"],
    "properties": {
        "id_number": {"type": "string", "title": "公民身份号码"},
        "card_form": {"type": "string", "title": "优待证形式", "enum": ["电子证", "实体卡"]},
    },
}


@dataclass
class World:
    places: dict
    depts: dict
    elder_item: object  # ItemVersion: 老年人优待证 (MZJ, certificate, 2 steps)
    licence_item: object  # ItemVersion: 食品经营许可 (SCJ, licence, 3 steps)
    elder: object
    other_person: object
    enterprise: object
    users: dict = field(default_factory=dict)


def world_build() -> World:
    places = chancheng()
    depts = {
        "MZJ": department("MZJ", "禅城区民政局"),
        "SCJ": department("SCJ", "禅城区市场监督管理局"),
        "ZSJ": department("ZSJ", "禅城区政务服务数据管理局"),
        "JD440604012": department("JD440604012", "祖庙街道办事处", "street_office"),
    }
    elder_item = ItemVersionFactory(
        published=True,
        name="老年人优待证办理",
        kind="confirmation",
        department=depts["MZJ"],
        accept_levels=["district", "street"],
        statutory_limit_days=20,
        promised_limit_days=5,
        result_type="certificate",
        result_name="老年人优待证",
        form_schema=ELDER_FORM,
    )
    MaterialFactory(
        version=elder_item, key="id_card", name="居民身份证", source="e_certificate", source_ref="居民身份证"
    )
    MaterialFactory(version=elder_item, key="photo", name="近期免冠照片", format="paper_original")
    licence_item = ItemVersionFactory(
        published=True,
        name="食品经营许可",
        kind="administrative_licence",
        department=depts["SCJ"],
        service_object="legal_person",
        accept_levels=["district"],
        statutory_limit_days=20,
        promised_limit_days=10,
        result_type="certificate",
        result_name="食品经营许可证",
    )
    MaterialFactory(
        version=licence_item,
        key="business_licence",
        name="营业执照",
        source="e_certificate",
        source_ref="营业执照",
    )
    MaterialFactory(version=licence_item, key="layout", name="经营场所平面图")
    elder = PersonFactory(
        birth_date=dt.date(1950, 3, 1), residence_division=places["peide"], hukou_division=places["peide"]
    )
    other = PersonFactory(residence_division=places["lanshi"])
    enterprise = EnterpriseFactory(division=places["peide"])
    w = World(places, depts, elder_item, licence_item, elder, other, enterprise)
    w.users = {
        "clerk": UserFactory(role=Role.WINDOW_CLERK, department=depts["ZSJ"]),
        "clerk_zm": UserFactory(
            role=Role.WINDOW_CLERK, department=depts["JD440604012"], division=places["zumiao"]
        ),
        "clerk_village": UserFactory(
            role=Role.WINDOW_CLERK, department=depts["JD440604012"], division=places["peide"]
        ),
        "approver_mz": UserFactory(role=Role.APPROVER, department=depts["MZJ"]),
        "approver_mz2": UserFactory(role=Role.APPROVER, department=depts["MZJ"]),
        "approver_sc": UserFactory(role=Role.APPROVER, department=depts["SCJ"]),
        "citizen": UserFactory(role=Role.CITIZEN, person=elder),
        "stranger": UserFactory(role=Role.CITIZEN, person=other),
        "agent": UserFactory(role=Role.ENTERPRISE_AGENT, enterprise=enterprise),
        "auditor": UserFactory(role=Role.AUDITOR),
    }
    return w


def submit_elder(w: World, *, actor=None, **kw) -> Case:
    actor = actor or w.users["clerk"]
    args = {
        "actor": actor,
        "item": w.elder_item.item.implementation_code,
        "channel": Channel.WINDOW if actor.can("cases.case.intake") else Channel.ONLINE,
        "form_data": {"card_form": "电子证"},
    }
    if actor.can("cases.case.intake"):
        args["id_number"] = w.elder.id_number
    args.update(kw)
    return services.case_submit(**args)


def case_in(w: World, status: str) -> Case:
    """A 老年人优待证 case taken in at the district window and driven to `status` through the services."""
    clerk, approver = w.users["clerk"], w.users["approver_mz"]
    case = submit_elder(w)
    if status == Status.SUBMITTED:
        return case
    if status in (Status.CORRECTION, Status.REFUSED) or (status == Status.WITHDRAWN):
        if status == Status.CORRECTION:
            return services.case_request_correction(case=case, actor=clerk, missing=["photo"])
        if status == Status.REFUSED:
            return services.case_refuse(case=case, actor=clerk, reason="不符合受理条件")
        return services.case_withdraw(case=case, actor=w.users["citizen"], reason="不办了")
    case = services.case_accept(case=case, actor=clerk, paper=["photo"])
    if status == Status.ACCEPTED:
        return case
    if status == Status.SUSPENDED:
        return services.case_request_correction(
            case=case, actor=approver, missing=["photo"], note="照片不清晰"
        )
    case = services.case_step_complete(case=case, actor=approver, opinion="材料齐全")
    if status == Status.REJECTED:
        return services.case_reject(case=case, actor=approver, reason="年龄不符")
    case = services.case_approve(case=case, actor=approver, opinion="同意")
    if status == Status.APPROVED:
        return case
    if status == Status.DELIVERED:
        return services.case_deliver(case=case, actor=clerk, method="pickup")
    raise ValueError(status)
