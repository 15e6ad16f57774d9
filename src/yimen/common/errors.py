"""Domain errors raised by services. One handler (`yimen.common.api.exception_handler`) maps them to HTTP.

A service never returns an error value: it raises one of these, and the transaction it runs in rolls
back, so bad input changes nothing.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class. `status` is the HTTP status the API answers with; `code` is a stable machine name."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ({field: [message]} if field else {})

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "detail": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is well formed but the object's state forbids it (e.g. an illegal transition)."""

    status = 409
    code = "conflict"
