"""Use cases that change events, one function per verb, each in one transaction with its ledger entry.

event_report          a report from any channel: locate, classify, link duplicate or create, dispatch/triage
event_dispatch        command centre: dispatch from triage or after a return (manual classification)
event_reject          command centre: not an event (不予立案)
event_acknowledge     department signs for it (签收)
event_return          department returns a misrouted event with a reason
event_resolve         department records its action with a photo
event_verify          grid worker / command centre verifies: closed, or back for rework
event_reopen          within 7 days of closing
report_rate           the reporter rates the outcome
joint_request / joint_decide / joint_task_complete   joint enforcement
events_escalate_overdue                              overdue events up the supervision chain
routing_rule_create / _update / _move / _delete      the command centre's routing rules
statistics_rollup_rebuild                            the statistics roll-up recomputed from the events
report_contact_reveal                                a reporter's full name and phone, read logged
sensor_device_save / sensor_reading_ingest           IoT sensors (物联感知): devices, readings -> events
opinion_file_read / opinion_import                   public-opinion posts (网络舆情) -> reports
subcategory_save / open311_client_set_active         the events admin's changes, audited
"""

from yimen.events.services.closing import event_reopen, event_resolve, event_verify, report_rate
from yimen.events.services.dispatch import (
    event_acknowledge,
    event_by_number,
    event_dispatch,
    event_reject,
    event_return,
    events_escalate_overdue,
)
from yimen.events.services.intake import CONFIDENCE_THRESHOLD, classify_text, duplicate_find, event_report
from yimen.events.services.joint import joint_decide, joint_request, joint_task_complete
from yimen.events.services.open311_clients import (
    open311_client_create,
    open311_client_for_key,
    open311_client_set_active,
)
from yimen.events.services.opinion import opinion_file_read, opinion_import
from yimen.events.services.reveal import report_contact_reveal
from yimen.events.services.rollup import statistics_rollup_rebuild
from yimen.events.services.routing import (
    route,
    routing_rule_create,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_update,
    subcategory_save,
)
from yimen.events.services.sensors import sensor_device_save, sensor_reading_ingest
from yimen.events.taxonomy import taxonomy_load

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "classify_text",
    "duplicate_find",
    "event_acknowledge",
    "event_by_number",
    "event_dispatch",
    "event_reject",
    "event_reopen",
    "event_report",
    "event_resolve",
    "event_return",
    "event_verify",
    "events_escalate_overdue",
    "joint_decide",
    "joint_request",
    "joint_task_complete",
    "open311_client_create",
    "open311_client_for_key",
    "open311_client_set_active",
    "opinion_file_read",
    "opinion_import",
    "report_contact_reveal",
    "report_rate",
    "route",
    "routing_rule_create",
    "routing_rule_delete",
    "routing_rule_move",
    "routing_rule_update",
    "sensor_device_save",
    "sensor_reading_ingest",
    "statistics_rollup_rebuild",
    "subcategory_save",
    "taxonomy_load",
]
