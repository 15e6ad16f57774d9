"""Masking of personal data. Every page and API shows these forms unless the viewer holds the
permission to read the full value (and that read is logged by the registry)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """`440604199001011234` -> `440604********1234`: the region stays visible, the birth date does not."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str | None) -> str:
    """`张三明` -> `张*明`, `张三` -> `张*`, `欧阳小明` -> `欧**明`. Latin names keep the first letter of each word."""
    if not value:
        return ""
    value = value.strip()
    if value.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in value.split())
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str | None) -> str:
    """`13800138000` -> `138****8000`; landlines keep the area code and the last 4 digits."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


_ADDRESS_STOPS = ("社区", "村委会", "居委会", "村", "街道", "镇")


def mask_address(value: str | None) -> str:
    """Keep the address up to the community/village; hide the road and house number."""
    if not value:
        return ""
    cut = -1
    for stop in _ADDRESS_STOPS:
        i = value.find(stop)
        if i >= 0:
            cut = max(cut, i + len(stop))
    if cut <= 0:
        cut = min(6, len(value) // 2)
    return value[:cut] + ("****" if cut < len(value) else "")


def mask_email(value: str | None) -> str:
    """`chen.zhiming@example.com` -> `c***@example.com`."""
    local, at, domain = (value or "").partition("@")
    if not at:
        return "*" * min(len(value or ""), 8)
    return (local[:1] or "*") + "***@" + domain


MASKERS = {
    "id_number": mask_id_number,
    "name": mask_name,
    "phone": mask_phone,
    "address": mask_address,
}
