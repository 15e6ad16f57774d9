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
CASE_INTAKE = "cases.case.intake"  # accept/correct/refuse any item at a general window; hand out results
CASE_DECIDE = "cases.case.decide"  # back-office steps and decisions of the own department's cases
CASE_VIEW_ALL = "cases.case.view_all"  # every case, read only (statistics, audit)
EVENT_VIEW = "events.event.view"  # events in the user's division scope (handlers: their department's)
EVENT_REPORT_GRID = "events.report.grid"  # report as a grid worker (网格员巡查)
EVENT_REPORT_HOTLINE = "events.report.hotline"  # report a 12345 call
EVENT_HANDLE = "events.event.handle"  # acknowledge, act, return, close (own department)
EVENT_VERIFY = "events.event.verify"  # verify a handled event on site
EVENT_COMMAND = "events.event.command"  # triage, dispatch, routing rules, joint enforcement approval
NOTIFY_TEMPLATE_EDIT = "notify.template.edit"  # message templates (推送办 notifications)
NOTIFY_CAMPAIGN_MANAGE = "notify.campaign.manage"  # create, start and follow campaigns to a recipient set

_STAFF_BASE = {WORKBENCH, STAFF_DIRECTORY}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITIZEN: frozenset(),
    Role.ENTERPRISE_AGENT: frozenset(),
    Role.WINDOW_CLERK: frozenset(
        _STAFF_BASE
        | {PERSON_VIEW, PERSON_IDENTIFY, PERSON_READ_FULL, ENTERPRISE_VIEW, ENTERPRISE_READ_FULL, CASE_INTAKE}
    ),
    Role.APPROVER: frozenset(
        _STAFF_BASE
        | {
            PERSON_VIEW,
            PERSON_READ_FULL,
            ENTERPRISE_VIEW,
            ENTERPRISE_READ_FULL,
            CATALOG_VIEW_DRAFTS,
            CASE_DECIDE,
        }
    ),
    Role.DEPARTMENT_HANDLER: frozenset(
        _STAFF_BASE
        | {PERSON_VIEW, ENTERPRISE_VIEW, CATALOG_VIEW_DRAFTS, CATALOG_EDIT, EVENT_VIEW, EVENT_HANDLE}
    ),
    Role.GRID_WORKER: frozenset(
        _STAFF_BASE | {PERSON_VIEW, ENTERPRISE_VIEW, EVENT_VIEW, EVENT_REPORT_GRID, EVENT_VERIFY}
    ),
    Role.HOTLINE_OPERATOR: frozenset(_STAFF_BASE | {EVENT_VIEW, EVENT_REPORT_HOTLINE}),
    Role.COMMAND_CENTRE: frozenset(
        _STAFF_BASE
        | {
            PERSON_VIEW,
            ENTERPRISE_VIEW,
            LEDGER_VIEW,
            EVENT_VIEW,
            EVENT_VERIFY,
            EVENT_COMMAND,
            EVENT_REPORT_HOTLINE,
        }
    ),
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
            NOTIFY_TEMPLATE_EDIT,
            NOTIFY_CAMPAIGN_MANAGE,
        }
    ),
    Role.AUDITOR: frozenset(
        _STAFF_BASE
        | {PERSON_VIEW, ENTERPRISE_VIEW, LEDGER_VIEW, CATALOG_VIEW_DRAFTS, CATALOG_MANAGE_ALL, CASE_VIEW_ALL}
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
