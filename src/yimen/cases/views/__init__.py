"""Pages (Django templates + htmx). Views parse the request, call selectors/services and render; a domain
error becomes a message on the page and nothing is written."""

from yimen.cases.views.case import (
    case_act,
    case_detail,
    mine,
    queue,
    receipt,
    result_document,
    stats,
    theme_detail,
)
from yimen.cases.views.certificate import (
    certificate_bundle,
    certificate_pdf,
    certificate_print,
    certificate_verify,
    document_verify,
)
from yimen.cases.views.intake import apply, intake, intake_items, theme_intake

__all__ = [
    "apply",
    "case_act",
    "case_detail",
    "certificate_bundle",
    "document_verify",
    "certificate_pdf",
    "certificate_print",
    "certificate_verify",
    "intake",
    "intake_items",
    "mine",
    "queue",
    "receipt",
    "result_document",
    "stats",
    "theme_detail",
    "theme_intake",
]
