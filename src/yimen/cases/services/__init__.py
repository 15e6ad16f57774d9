"""Use cases that change cases, one function per verb, each in one transaction with its audit entry.

Intake: `case_submit`, `case_accept`, `case_request_correction`, `case_resubmit`, `case_refuse`,
`case_withdraw`; one-step entry points `case_take_in` (window: file and decide) and `case_apply_online`
(online hall: uploads and application), `upload_store`. Back office: `case_step_complete`,
`case_approve`, `case_reject`, `case_extend`. Result: `case_deliver`, `case_rate`, `certificate_revoke`. Daily:
`reminders_send`. Themes (主题办): `theme_submit`, `theme_accept`.
"""

from yimen.cases.services.backoffice import case_approve, case_extend, case_reject, case_step_complete
from yimen.cases.services.channels import (
    case_apply_online,
    case_resubmit_with_files,
    case_take_in,
    upload_store,
)
from yimen.cases.services.intake import (
    case_accept,
    case_refuse,
    case_request_correction,
    case_resubmit,
    case_submit,
    case_withdraw,
)
from yimen.cases.services.results import case_deliver, case_rate, certificate_revoke, reminders_send
from yimen.cases.services.themes import theme_accept, theme_submit

__all__ = [
    "case_accept",
    "case_apply_online",
    "case_approve",
    "case_deliver",
    "case_extend",
    "case_rate",
    "case_refuse",
    "case_reject",
    "case_request_correction",
    "case_resubmit",
    "case_resubmit_with_files",
    "case_step_complete",
    "case_submit",
    "case_take_in",
    "case_withdraw",
    "certificate_revoke",
    "reminders_send",
    "theme_accept",
    "theme_submit",
    "upload_store",
]
