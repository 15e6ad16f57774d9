"""What each role may do, as data: one table of capabilities per role.

A capability is a string `<app>.<thing>.<verb>`. Views, API permissions and services ask
`user.can("registry.person.read_full")`; nothing checks a role name directly. Object-level limits
(which department's, which division's rows) come on top of this, from `yimen.accounts.scope`.
"""

from yimen.accounts.models import Role

PERSON_VIEW = "registry.person.view"  # masked list/detail within scope
PERSON_IDENTIFY = "registry.person.identify"  # exact-ID lookup at a general window, any residence
PERSON_READ_FULL = "registry.person.read_full"  # unmask (logged)
ENTERPRISE_VIEW = "registry.enterprise.view"
ENTERPRISE_READ_FULL = "registry.enterprise.read_full"
CATALOG_VIEW_DRAFTS = "catalog.item.view_drafts"  # a department's unpublished item versions
CATALOG_EDIT = "catalog.item.edit"
CATALOG_PUBLISH = "catalog.item.publish"
CATALOG_MANAGE_ALL = "catalog.item.manage_all"  # any department's items (政数局)
STAFF_DIRECTORY = "accounts.staff.view"
WORKBENCH = "portal.workbench.use"
LEDGER_VIEW = "ledger.entry.view"
CALENDAR_EDIT = "common.calendar.edit"

_STAFF_BASE = {WORKBENCH, STAFF_DIRECTORY}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITIZEN: frozenset(),
    Role.ENTERPRISE_AGENT: frozenset(),
    Role.WINDOW_CLERK: frozenset(
        _STAFF_BASE | {PERSON_VIEW, PERSON_IDENTIFY, PERSON_READ_FULL, ENTERPRISE_VIEW, ENTERPRISE_READ_FULL}
    ),
    Role.APPROVER: frozenset(
        _STAFF_BASE
        | {PERSON_VIEW, PERSON_READ_FULL, ENTERPRISE_VIEW, ENTERPRISE_READ_FULL, CATALOG_VIEW_DRAFTS}
    ),
    Role.DEPARTMENT_HANDLER: frozenset(
        _STAFF_BASE | {PERSON_VIEW, ENTERPRISE_VIEW, CATALOG_VIEW_DRAFTS, CATALOG_EDIT}
    ),
    Role.GRID_WORKER: frozenset(_STAFF_BASE | {PERSON_VIEW, ENTERPRISE_VIEW}),
    Role.HOTLINE_OPERATOR: frozenset(_STAFF_BASE),
    Role.COMMAND_CENTRE: frozenset(_STAFF_BASE | {PERSON_VIEW, ENTERPRISE_VIEW, LEDGER_VIEW}),
    Role.DATA_ADMIN: frozenset(
        _STAFF_BASE
        | {
            PERSON_VIEW,
            PERSON_READ_FULL,
            ENTERPRISE_VIEW,
            ENTERPRISE_READ_FULL,
            CATALOG_VIEW_DRAFTS,
            CATALOG_EDIT,
            CATALOG_PUBLISH,
            CATALOG_MANAGE_ALL,
            LEDGER_VIEW,
        }
    ),
    Role.AUDITOR: frozenset(
        _STAFF_BASE | {PERSON_VIEW, ENTERPRISE_VIEW, LEDGER_VIEW, CATALOG_VIEW_DRAFTS, CATALOG_MANAGE_ALL}
    ),
    Role.ADMINISTRATOR: frozenset(
        _STAFF_BASE
        | {
            PERSON_VIEW,
            ENTERPRISE_VIEW,
            CATALOG_VIEW_DRAFTS,
            CATALOG_EDIT,
            CATALOG_PUBLISH,
            CATALOG_MANAGE_ALL,
            LEDGER_VIEW,
            CALENDAR_EDIT,
        }
    ),
}

STAFF_ROLES = frozenset(r for r in Role.values if r not in (Role.CITIZEN, Role.ENTERPRISE_AGENT))


def role_can(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
