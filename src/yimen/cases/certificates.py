"""How a certificate looks outside the database: its public verification URL as a QR code (SVG for
pages, PNG for the PDF) and a printable PDF with a CJK font found on the system."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.urls import reverse

from yimen.common.masking import mask_id_number, mask_name

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def verify_path(cert) -> str:
    return reverse("cases:certificate_verify", args=[cert.verify_token])


def _absolute(path: str, request=None) -> str:
    """`path` as the URL a QR code carries: on the request's host, or under YIMEN_PUBLIC_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    return getattr(settings, "YIMEN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/") + path


def verify_url(cert, request=None) -> str:
    return _absolute(verify_path(cert), request)


def document_token(case) -> str:
    """The token in a result document's QR URL (证明、批文): keyed by the site secret and the case number."""
    from yimen.cases.services.results import verify_token_for

    return verify_token_for(f"document:{case.number}")


def document_verify_url(case, request=None) -> str:
    return _absolute(reverse("cases:document_verify", args=[case.number, document_token(case)]), request)


def _qr_png(url: str) -> io.BytesIO:
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=6, border=2)
    png.seek(0)
    return png


def qr_svg(url: str) -> str:
    """An inline SVG QR code (error correction M) for a page."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#1a1a1a")


def holder_label(cert) -> tuple[str, str]:
    """(name, identity) of the holder, masked: a public page must not show personal data in full."""
    if cert.holder_person_id:
        p = cert.holder_person
        return mask_name(p.name), mask_id_number(p.id_number)
    e = cert.holder_enterprise
    return e.name, e.uscc[:8] + "******" + e.uscc[-4:]


@cache
def cjk_font() -> str | None:
    path = getattr(settings, "YIMEN_CJK_FONT", "")
    for candidate in (path, *CJK_FONTS):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def certificate_pdf(cert, *, url: str) -> bytes:
    """A one-page A5 PDF: name, number, holder (masked), issuer, dates, QR code to the verification page.
    Raises RuntimeError when no CJK font is installed (the page view then offers the print page)."""
    from fpdf import FPDF

    font = cjk_font()
    if font is None:
        raise RuntimeError("no CJK font found; set YIMEN_CJK_FONT")
    pdf = FPDF(orientation="landscape", format=(148, 210))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("cjk", fname=font, collection_font_number=2 if font.endswith(".ttc") else 0)
    pdf.set_draw_color(170, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_font("cjk", size=22)
    pdf.set_xy(8, 18)
    pdf.cell(pdf.w - 16, 12, cert.name, align="C")
    name, identity = holder_label(cert)
    rows = [
        ("证照编号", cert.number),
        ("持证主体", name),
        ("证件号码", identity),
        ("发证机关", cert.issuer.name),
        ("发证日期", cert.issued_on.isoformat()),
        ("有效期至", cert.valid_until.isoformat() if cert.valid_until else "长期"),
        ("状态", cert.get_state_display()),
    ]
    pdf.set_font("cjk", size=12)
    y = 40
    for label, value in rows:
        pdf.set_xy(20, y)
        pdf.cell(30, 8, label)
        pdf.cell(100, 8, str(value))
        y += 10
    pdf.image(_qr_png(url), x=pdf.w - 62, y=42, w=44, h=44)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(pdf.w - 70, 88)
    pdf.multi_cell(60, 4, "扫码核验真伪\n" + url, align="C")
    return bytes(pdf.output())


def applicant_label(case) -> tuple[str, str]:
    """(name, identity) of a case's applicant, masked as on a certificate."""
    if case.applicant_person_id:
        p = case.applicant_person
        return mask_name(p.name), mask_id_number(p.id_number)
    e = case.applicant_enterprise
    return e.name, e.uscc[:8] + "******" + e.uscc[-4:]


def result_document_pdf(case, *, url: str) -> bytes:
    """The result of an approved case whose item gives a document (证明、批文、决定书), as a one-page A4
    PDF: result name, case number, applicant (masked), department, decision date, and a QR code to the
    public verification page `url`. Raises RuntimeError when no CJK font is installed."""
    from django.utils import timezone
    from fpdf import FPDF

    font = cjk_font()
    if font is None:
        raise RuntimeError("no CJK font found; set YIMEN_CJK_FONT")
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("cjk", fname=font, collection_font_number=2 if font.endswith(".ttc") else 0)
    pdf.set_font("cjk", size=20)
    pdf.set_xy(10, 24)
    pdf.cell(pdf.w - 20, 12, case.version.result_name or case.version.name, align="C")
    name, identity = applicant_label(case)
    decided = timezone.localdate(case.decided_at).isoformat() if case.decided_at else ""
    rows = [
        ("办件编号", case.number),
        ("办理事项", case.version.name),
        ("申请人", name),
        ("证件号码", identity),
        ("办理部门", case.department.name),
        ("办理结果", case.get_status_display()),
        ("办结日期", decided),
    ]
    pdf.set_font("cjk", size=12)
    y = 50
    for label, value in rows:
        pdf.set_xy(24, y)
        pdf.cell(34, 8, label)
        pdf.multi_cell(pdf.w - 70, 8, str(value))
        y = max(y + 10, pdf.get_y() + 2)
    pdf.image(_qr_png(url), x=pdf.w - 64, y=y + 10, w=40, h=40)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(pdf.w - 84, y + 52)
    pdf.multi_cell(80, 4, "扫码核验真伪\n" + url, align="C")
    return bytes(pdf.output())
