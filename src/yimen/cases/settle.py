"""数据沉淀: an accepted case updates its applicant's registry record from the application form, with
provenance (source = the case). Which form field feeds which registry field is data, per item, in
`settle.yaml`; the registry decides which fields may be written and how values are cleaned."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from yimen.common.errors import ValidationFailed
from yimen.registry import services as registry

_FILE = Path(__file__).with_name("settle.yaml")


@cache
def _table() -> dict:
    data = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    if data.get("format") != "yimen-settle/1":
        raise ValueError(f"{_FILE}: unknown format {data.get('format')!r}")
    return data.get("items") or {}


def mapping_for(version, kind: str) -> dict[str, str]:
    """form field -> registry field for an item version and applicant kind ("person" / "enterprise")."""
    return dict((_table().get(version.item.implementation_code) or {}).get(kind) or {})


def _kind(person, enterprise) -> str | None:
    return "person" if person is not None else "enterprise" if enterprise is not None else None


def settle_fields(version, form: dict, *, person, enterprise) -> dict[str, object]:
    """registry field -> value, for the mapped form fields the application filled in with something other
    than what the registry already holds (a value prefilled from the registry is not news)."""
    kind = _kind(person, enterprise)
    if kind is None:
        return {}
    subject = person if kind == "person" else enterprise
    return {
        target: form[source]
        for source, target in mapping_for(version, kind).items()
        if form.get(source) not in (None, "") and str(form[source]) != getattr(subject, target, None)
    }


def settle_check(version, form: dict, *, person, enterprise) -> None:
    """Refuse an application whose mapped fields the registry would not take, naming the form field."""
    kind = _kind(person, enterprise)
    fields = settle_fields(version, form, person=person, enterprise=enterprise)
    if not fields:
        return
    try:
        registry.settle_clean(kind, fields)
    except ValidationFailed as exc:
        back = {target: source for source, target in mapping_for(version, kind).items()}
        errors = {f"form.{back.get(f, f)}": msgs for f, msgs in exc.errors.items()}
        raise ValidationFailed(exc.message, errors=errors) from None


def case_settle(case, *, actor) -> list:
    """Write the accepted case's mapped form fields to the applicant's record; runs in the acceptance's
    transaction, so a failure here undoes the acceptance too."""
    person, enterprise = case.applicant_person, case.applicant_enterprise
    fields = settle_fields(case.version, case.form_data or {}, person=person, enterprise=enterprise)
    if not fields:
        return []
    source = f"cases.case:{case.pk}"
    if person is not None:
        return registry.person_settle(
            person=person, fields=fields, source=source, source_label=case.number, actor=actor
        )
    return registry.enterprise_settle(
        enterprise=enterprise, fields=fields, source=source, source_label=case.number, actor=actor
    )
