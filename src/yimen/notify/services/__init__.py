"""Use cases of notify (推送办 notifications), one function per verb, keyword-only, each in one transaction.

Templates: `template_save`, `templates_load`. Sending: `notification_send` (one person),
`notifications_send_bulk` (a set, set-based inserts). Worker: `deliveries_process`. Campaigns:
`campaign_create`, `campaign_start`, `campaign_chunk_send`, `campaign_complete_if_done`. Citizen:
`notification_mark_read`, `notifications_mark_all_read`, `preference_update`.
"""

from yimen.notify.services.campaigns import (
    campaign_chunk_send,
    campaign_complete_if_done,
    campaign_create,
    campaign_start,
    campaigns_resume,
)
from yimen.notify.services.delivery import deliveries_process
from yimen.notify.services.inbox import (
    notification_mark_read,
    notifications_mark_all_read,
    preference_get,
    preference_update,
)
from yimen.notify.services.sending import BulkResult, notification_send, notifications_send_bulk
from yimen.notify.services.templates import template_check, template_get, template_save, templates_load

__all__ = [
    "BulkResult",
    "campaign_chunk_send",
    "campaign_complete_if_done",
    "campaign_create",
    "campaign_start",
    "campaigns_resume",
    "deliveries_process",
    "notification_mark_read",
    "notification_send",
    "notifications_mark_all_read",
    "notifications_send_bulk",
    "preference_get",
    "preference_update",
    "template_check",
    "template_get",
    "template_save",
    "templates_load",
]
