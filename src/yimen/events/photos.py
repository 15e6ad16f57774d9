"""Checking uploaded photos: JPEG or PNG recognised by content (not by name or declared type), a size
limit, and a SHA-256 that names the stored file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from yimen.common import files
from yimen.common.errors import ValidationFailed

MAX_PHOTOS = 4
_PHOTO_TYPES = {"image/jpeg", "image/png"}


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    content_type: str
    extension: str
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "YIMEN_EVENTS_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def photo_check(upload, *, field: str = "photos") -> CheckedPhoto:
    """`upload` is bytes or a file-like object (Django UploadedFile)."""
    limit = max_bytes()
    if isinstance(upload, bytes | bytearray):
        content = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise _too_big(limit, field)
        content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_big(limit, field)
    if not content:
        raise ValidationFailed(_("照片为空 (empty file)"), field=field)
    found = files.sniff(content)
    if found and found[0] in _PHOTO_TYPES:
        content_type, extension = found
        return CheckedPhoto(content, content_type, extension, hashlib.sha256(content).hexdigest())
    raise ValidationFailed(_("只接受 JPEG 或 PNG 照片 (not a JPEG or PNG image)"), field=field)


def photos_check(uploads, *, field: str = "photos") -> list[CheckedPhoto]:
    uploads = list(uploads or [])
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed(_("最多上传 %(n)d 张照片 (too many photos)") % {"n": MAX_PHOTOS}, field=field)
    return [photo_check(u, field=field) for u in uploads]


def _too_big(limit: int, field: str) -> ValidationFailed:
    return ValidationFailed(
        _("照片不能超过 %(mb)s MB (image over the size limit)") % {"mb": round(limit / 1024 / 1024, 1)},
        field=field,
    )
