"""Creating users and changing what they may do (each change audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from yimen.accounts.models import AssuranceLevel, Role, User
from yimen.common import audit
from yimen.common.errors import ValidationFailed


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    department=None,
    division=None,
    person=None,
    enterprise=None,
    assurance_level: int = AssuranceLevel.L1,
    actor=None,
) -> User:
    if role not in Role.values:
        raise ValidationFailed(_("未知角色 “%(role)s”") % {"role": role}, field="role")
    if assurance_level not in AssuranceLevel.values:
        raise ValidationFailed(_("身份核验等级应为 1、2 或 3"), field="assurance_level")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("用户名 %(username)s 已被使用") % {"username": username}, field="username")
    if role == Role.ENTERPRISE_AGENT and enterprise is None:
        raise ValidationFailed(_("企业经办人须关联企业"), field="enterprise")
    user = User(
        username=username,
        role=role,
        full_name=full_name,
        department=department,
        division=division,
        person=person,
        enterprise=enterprise,
        assurance_level=assurance_level,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
    )
    user.set_password(password)
    user.save()
    audit.record(kind="accounts.user.created", subject=user, actor=actor, content=_scope_of(user))
    return user


@transaction.atomic
def user_set_scope(*, user: User, role: str, department=None, division=None, actor=None) -> User:
    if role not in Role.values:
        raise ValidationFailed(_("未知角色 “%(role)s”") % {"role": role}, field="role")
    user.role, user.department, user.division = role, department, division
    user.save(update_fields=["role", "department", "division"])
    audit.record(kind="accounts.user.scope_changed", subject=user, actor=actor, content=_scope_of(user))
    return user


def _scope_of(user: User) -> dict:
    return {
        "role": user.role,
        "department": user.department.code if user.department_id else None,
        "division": user.division.code if user.division_id else None,
        "assurance_level": user.assurance_level,
    }
