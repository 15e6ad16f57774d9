"""Whether an offered item can be applied for with one click (免申即享 / 零材料): it is applied for online
(网上申报 or 全程网办), every required material is one the government already holds for this person
(the same reuse the case intake does), and every required field of its online form is one the person
library fills in. Otherwise the offer links to the item's guide and its online application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yimen.cases import materials
from yimen.cases.services.intake import form_prefill
from yimen.catalog.models.item import OnlineDepth, ServiceObject


@dataclass(frozen=True)
class OneClick:
    ok: bool
    reused: list[str] = field(default_factory=list)  # "材料名称（来源）"
    missing: list[str] = field(default_factory=list)  # what the person would still have to give


def one_click(version, person, *, today: dt.date) -> OneClick:
    if version is None or person is None:
        return OneClick(False)
    missing: list[str] = []
    if version.service_object == ServiceObject.LEGAL_PERSON:
        missing.append("面向法人的事项")
    if version.online_depth < OnlineDepth.PRE_REVIEW:
        missing.append("该事项须到窗口办理")
    reused = []
    for m in version.materials.all():
        reuse = materials.reuse_for(m, person=person, enterprise=None, today=today)
        if reuse is not None:
            reused.append(f"{m.name}（{reuse.label}）")
        elif m.required:
            missing.append(m.name)
    schema = version.form_schema or {}
    known = form_prefill(version, person, None)
    titles = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in known:
            missing.append(titles.get(name, {}).get("title", name))
    return OneClick(ok=not missing, reused=reused, missing=missing)
