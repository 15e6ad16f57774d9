"""Object-level scope: which rows a staff member may see.

Every selector that returns staff-only data passes its queryset through `scope_by_division` and/or
`scope_by_department`. A user with no division sees the whole district; with a division, only that
subtree (a prefix match on Division.path). A user with a department sees only that department's rows;
roles holding `manage_all` capabilities pass `all_departments=True`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet


def scope_by_division(user, qs: QuerySet, *, via: str) -> QuerySet:
    """Limit `qs` to rows whose division (reached through the lookup `via`) lies in the user's subtree."""
    if user.division_id is None:
        return qs
    return qs.filter(**{f"{via}__path__startswith": user.division.path})


def scope_by_department(user, qs: QuerySet, *, via: str, all_departments: bool = False) -> QuerySet:
    """Limit `qs` to rows of the user's department; a user with no department sees none unless all_departments."""
    if all_departments:
        return qs
    if user.department_id is None:
        return qs.none()
    return qs.filter(**{via: user.department_id})


def division_q(user, *, via: str) -> Q:
    if user.division_id is None:
        return Q()
    return Q(**{f"{via}__path__startswith": user.division.path})
