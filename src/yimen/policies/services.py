"""Use cases that change policy data: definitions (`policy_save`, `policies_load`), matching the
enterprise library (`policies_match`), and an enterprise's answer to an offer (`policy_apply`, one-click
application with the form pre-filled; `policy_dismiss`). Each runs in one transaction and writes the
ledger; bad input raises a ValidationFailed naming the field and changes nothing."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts.models import Role
from yimen.common import audit
from yimen.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yimen.policies import workflow
from yimen.policies.definitions import PolicySpec, fixture_read, prefill_values, spec_check
from yimen.policies.matching import match_policy
from yimen.policies.models import Policy, PolicyMatch

__all__ = ["policies_load", "policies_match", "policy_apply", "policy_dismiss", "policy_save"]


def _apply_spec(policy: Policy | None, spec: PolicySpec, checked, actor) -> tuple[Policy, bool]:
    values = asdict(spec)
    values.pop("code")
    values["department"], values["item"] = checked.department, checked.item
    if policy is None:
        policy = Policy(code=spec.code)
    changed = policy.pk is None or any(
        (getattr(policy, f"{k}_id") != (v.pk if v else None))
        if k in ("department", "item")
        else getattr(policy, k) != v
        for k, v in values.items()
    )
    if changed:
        for key, value in values.items():
            setattr(policy, key, value)
        policy.updated_by = actor if getattr(actor, "pk", None) else None
        policy.save()
    return policy, changed


def _audit_save(policy: Policy, actor, kind: str = "policies.policy.save") -> None:
    audit.record(
        kind=kind,
        subject=policy,
        actor=actor,
        content={
            "code": policy.code,
            "rule": policy.rule,
            "item": policy.item.implementation_code if policy.item_id else None,
            "prefill": policy.prefill,
            "auto_grant": policy.auto_grant,
            "enabled": policy.enabled,
            "valid": [str(policy.valid_from or ""), str(policy.valid_until or "")],
        },
    )


@transaction.atomic
def policy_save(*, spec: PolicySpec, actor, policy: Policy | None = None) -> Policy:
    """Create or change one policy. Everything is checked first (the rule with its path, department, item,
    pre-fill against the item's application form, dates); the change is audited. Matching runs separately
    (`policies_match`, nightly or from the policy page)."""
    if policy is not None and policy.code != spec.code:
        raise ValidationFailed(_("政策代码不能修改"), field="code")
    existing = Policy.objects.select_for_update().filter(code=spec.code).first()
    if policy is None and existing is not None:
        raise Conflict(_("政策代码 %(c)s 已存在") % {"c": spec.code}, field="code")
    checked = spec_check(spec)
    policy, changed = _apply_spec(existing, spec, checked, actor)
    if changed:
        _audit_save(policy, actor)
    return policy


@transaction.atomic
def policies_load(*, path: Path | str | None = None, actor=None) -> dict:
    """Load the policies of a YAML file (default: the shipped `policies.yaml`): every entry is checked
    before any is written (`policies[i].<path>: problem`); existing codes are updated."""
    specs = fixture_read(path)
    checked = []
    for i, spec in enumerate(specs):
        try:
            checked.append(spec_check(spec))
        except ValidationFailed as exc:
            where = f"policies[{i}]"
            errors = {f"{where}.{k}": v for k, v in exc.errors.items()} or {where: [exc.message]}
            raise ValidationFailed(f"{where}.{exc.message}", errors=errors) from None
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for order, (spec, result) in enumerate(zip(specs, checked, strict=True)):
        existing = Policy.objects.select_for_update().filter(code=spec.code).first()
        policy, changed = _apply_spec(existing, spec, result, actor)
        if policy.order != order:
            Policy.objects.filter(pk=policy.pk).update(order=order)
        counts["created" if existing is None else ("updated" if changed else "unchanged")] += 1
        if changed:
            _audit_save(policy, actor)
    return counts


@transaction.atomic
def policies_match(*, today=None, policy_codes=None, actor=None) -> dict:
    """Match policies (all, or these codes) against the enterprise library as of `today`: new matches,
    grants for 免申即享 policies, matches no longer eligible expired, and the offers sent. Re-running it
    changes nothing. Returns {code: counts}."""
    today = today or timezone.localdate()
    now = timezone.now()
    policies = Policy.objects.select_related("department").order_by("order", "code")
    if policy_codes:
        codes = list(dict.fromkeys(policy_codes))
        policies = policies.filter(code__in=codes)
        unknown = sorted(set(codes) - {p.code for p in policies})
        if unknown:
            raise NotFound(_("未知政策 “%(c)s”") % {"c": unknown[0]}, field="policy")
    out = {}
    for policy in policies.select_for_update(of=("self",)):
        out[policy.code] = match_policy(policy, today=today, now=now, actor=actor).as_dict()
        Policy.objects.filter(pk=policy.pk).update(matched_at=now)
    return out


def _match_for(match: PolicyMatch, actor) -> PolicyMatch:
    """The match locked, if `actor` is an agent of its enterprise (another enterprise's: not found)."""
    if not getattr(actor, "is_authenticated", False) or actor.role != Role.ENTERPRISE_AGENT:
        raise PermissionDenied(_("只有企业经办人可以办理惠企政策"))
    locked = (
        PolicyMatch.objects.select_for_update(of=("self",))
        .select_related("policy__item", "enterprise__legal_representative", "enterprise__division")
        .filter(pk=match.pk, enterprise_id=actor.enterprise_id)
        .first()
    )
    if locked is None or actor.enterprise_id is None:
        raise NotFound(_("未找到该政策匹配"))
    return locked


@transaction.atomic
def policy_apply(*, match: PolicyMatch, actor) -> PolicyMatch:
    """一键申报: file the policy's application online for the agent's enterprise, the form pre-filled from
    the registry, materials the government holds reused. Missing materials or form fields raise the
    case service's ValidationFailed (`materials.<key>`, `form.<field>`) and nothing is written. A repeat
    returns the match with its case."""
    from yimen.cases.services.channels import case_apply_online

    match = _match_for(match, actor)
    if match.state == workflow.APPLIED and match.case_id:
        return match
    target = workflow.check_transition(match.state, "apply")
    policy = match.policy
    if not policy.in_effect(timezone.localdate()):
        raise Conflict(_("该政策已停止或不在有效期内"), field="policy")
    if policy.item is None:
        raise ValidationFailed(
            _("该政策没有网上申报事项，请按办理方式向%(d)s申请") % {"d": policy.department.name}, field="item"
        )
    form = prefill_values(policy.prefill, match.enterprise)
    case = case_apply_online(
        actor=actor,
        item=policy.item.implementation_code,
        uscc=match.enterprise.uscc,
        form_data=form,
        idempotency_key=f"policy-{match.pk}",
    )
    match.state, match.case, match.prefill = target, case, form
    match.state_changed_at = timezone.now()
    match.save(update_fields=["state", "case", "prefill", "state_changed_at"])
    audit.record(
        kind="policies.match.apply",
        subject=match,
        actor=actor,
        content={"policy": policy.code, "enterprise": match.enterprise_id, "case": case.number},
    )
    return match


@transaction.atomic
def policy_dismiss(*, match: PolicyMatch, actor) -> PolicyMatch:
    """The enterprise does not need this policy: the offer is closed and not shown again."""
    match = _match_for(match, actor)
    match.state = workflow.check_transition(match.state, "dismiss")
    match.state_changed_at = timezone.now()
    match.save(update_fields=["state", "state_changed_at"])
    audit.record(
        kind="policies.match.dismiss",
        subject=match,
        actor=actor,
        content={"policy": match.policy.code, "enterprise": match.enterprise_id},
    )
    return match
