"""The notify app's own domain error: a campaign that needs an explicit confirmation."""

from __future__ import annotations

from yimen.common.errors import DomainError


class ConfirmationRequired(DomainError):
    """A campaign to no one, or to more people than the limit: ask, then resend with confirm=True (409)."""

    status = 409
    code = "confirmation_required"
