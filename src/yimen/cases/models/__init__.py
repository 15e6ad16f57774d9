"""Cases (办件): what was applied for, by whom, where it stands, and what came out of it."""

from yimen.cases.models.case import (
    Case,
    CaseMaterial,
    CaseStep,
    Channel,
    MaterialState,
    Status,
    StatusChange,
    ThemeApplication,
    Upload,
)
from yimen.cases.models.result import Certificate, Delivery, DeliveryMethod, Rating, Reminder

__all__ = [
    "Case",
    "CaseMaterial",
    "CaseStep",
    "Certificate",
    "Channel",
    "Delivery",
    "DeliveryMethod",
    "MaterialState",
    "Rating",
    "Reminder",
    "Status",
    "StatusChange",
    "ThemeApplication",
    "Upload",
]
