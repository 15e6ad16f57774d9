"""Materials of a case: what the government already holds is reused (材料零提交), the rest is uploaded
or checked on paper at the window. Uploads are recognised by their content, never their name.

Reuse is decided per catalog material from its `source` and `source_ref`:
- e-certificate `居民身份证` / `营业执照`: the applicant's record in the person / enterprise library;
- any other e-certificate: a valid certificate of that name issued by Yimen to the applicant;
- government data `registry.*`: the applicant's registry record (household and relations need the person
  to be in a household); other departments' resources (`hr.*`, `tax.*`, ...) are shared through the data
  exchange, keyed by the applicant's identity, so they are reused when the applicant is identified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yimen.catalog.models.material import MaterialSource
from yimen.common import files
from yimen.common.errors import ValidationFailed

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The content type a file's first bytes prove, or None (PDF, JPEG and PNG only)."""
    found = files.sniff(head)
    return found[0] if found else None


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def check_upload(fileobj, *, field: str = "file") -> CheckedFile:
    """Size limit and content check, reading the file once; ValidationFailed names the field."""
    size = getattr(fileobj, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("文件超过 20 MB 上限 (file larger than 20 MB)"), field=field)
    digest = hashlib.sha256()
    head = b""
    total = 0
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    for chunk in fileobj.chunks() if hasattr(fileobj, "chunks") else iter(lambda: fileobj.read(65536), b""):
        if len(head) < files.HEAD_BYTES:
            head += chunk[: files.HEAD_BYTES - len(head)]
        total += len(chunk)
        if total > MAX_UPLOAD_BYTES:
            raise ValidationFailed(_("文件超过 20 MB 上限 (file larger than 20 MB)"), field=field)
        digest.update(chunk)
    if total == 0:
        raise ValidationFailed(_("文件为空 (empty file)"), field=field)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationFailed(
            _("只接受 PDF、JPEG、PNG 文件，按文件内容识别 (only PDF, JPEG or PNG, recognised by content)"),
            field=field,
        )
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    return CheckedFile(content_type=content_type, size=total, sha256=digest.hexdigest())


@dataclass(frozen=True)
class Reuse:
    ref: str  # "registry.person:42", "cases.certificate:7", "exchange:hr.personnel_archive"
    label: str


def _certificate(name: str, *, person, enterprise, today: dt.date) -> Reuse | None:
    from yimen.cases.models import Certificate

    qs = Certificate.objects.filter(name=name, state=Certificate.State.VALID)
    qs = qs.filter(holder_person=person) if person is not None else qs.filter(holder_enterprise=enterprise)
    cert = qs.order_by("-issued_on").first()
    if cert is None or not cert.is_valid_on(today):
        return None
    return Reuse(ref=f"cases.certificate:{cert.pk}", label=_("电子证照库：%(name)s") % {"name": name})


def reuse_for(material, *, person=None, enterprise=None, today: dt.date) -> Reuse | None:
    """How this material can be filled without an upload for this applicant, or None."""
    ref = material.source_ref
    if material.source == MaterialSource.E_CERTIFICATE:
        if ref == "居民身份证" and person is not None and person.status == "alive":
            return Reuse(ref=f"registry.person:{person.pk}", label=_("自然人库：居民身份证信息"))
        if ref == "营业执照" and enterprise is not None and enterprise.status == "active":
            return Reuse(ref=f"registry.enterprise:{enterprise.pk}", label=_("法人库：营业执照信息"))
        return _certificate(ref, person=person, enterprise=enterprise, today=today)
    if material.source == MaterialSource.GOVERNMENT_DATA:
        if ref.startswith("registry.enterprise"):
            if enterprise is None:
                return None
            return Reuse(ref=f"registry.enterprise:{enterprise.pk}", label=_("法人库"))
        if ref.startswith(("registry.household", "registry.relation")):
            if person is None or person.household_id is None:
                return None
            return Reuse(ref=f"registry.person:{person.pk}", label=_("自然人库：户籍与亲属关系"))
        if ref.startswith("registry.person"):
            if person is None:
                return None
            return Reuse(ref=f"registry.person:{person.pk}", label=_("自然人库"))
        if person is None and enterprise is None:
            return None
        return Reuse(ref=f"exchange:{ref}"[:64], label=_("部门共享数据：%(ref)s") % {"ref": ref})
    return None
