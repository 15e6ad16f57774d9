"""Shared pieces of the REST API: one error shape for every 4xx.

    {"code": "invalid", "detail": "human message", "errors": {"field": ["message", ...]}}

Domain errors raised by services and DRF's own validation errors both answer in it.
"""

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from yimen.common.errors import DomainError


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            if isinstance(value, dict | list):
                for k, v in _flatten(value, f"{prefix}[{i}]").items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def exception_handler(exc, context):
    from rest_framework.response import Response

    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.items()))
        response.data = {"code": "invalid", "detail": f"{first[0]}: {first[1][0]}", "errors": errors}
    elif isinstance(exc, exceptions.APIException):
        response.data = {
            "code": exc.default_code if not hasattr(exc.detail, "code") else exc.detail.code,
            "detail": str(exc.detail),
        }
    return response
