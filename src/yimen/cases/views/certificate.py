"""Public pages of an electronic certificate: verification (what the QR code opens), print, PDF and
the ledger inclusion bundle; and the verification page of a result document (证明、批文)."""

from __future__ import annotations

import hmac

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from yimen.cases import certificates, deadlines, selectors
from yimen.common.errors import NotFound


def _certificate(token: str):
    try:
        return selectors.certificate_by_token(token)
    except NotFound:
        raise Http404 from None


def certificate_verify(request, token: str):
    """Public: what the QR code opens. Holder masked; the ledger proof shows the issue was recorded."""
    cert = _certificate(token)
    url = certificates.verify_url(cert, request)
    holder, holder_id = certificates.holder_label(cert)
    proof = selectors.ledger_proof(cert.ledger_index)
    return render(
        request,
        "cases/verify.html",
        {
            "cert": cert,
            "holder": holder,
            "holder_id": holder_id,
            "valid": cert.is_valid_on(deadlines.today()),
            "qr": certificates.qr_svg(url),
            "url": url,
            "proof": proof,
            "pdf": certificates.cjk_font() is not None,
        },
    )


def certificate_print(request, token: str):
    cert = _certificate(token)
    url = certificates.verify_url(cert, request)
    holder, holder_id = certificates.holder_label(cert)
    return render(
        request,
        "cases/certificate_print.html",
        {"cert": cert, "holder": holder, "holder_id": holder_id, "qr": certificates.qr_svg(url), "url": url},
    )


def certificate_pdf(request, token: str):
    cert = _certificate(token)
    try:
        data = certificates.certificate_pdf(cert, url=certificates.verify_url(cert, request))
    except RuntimeError:
        return redirect("cases:certificate_print", token=token)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


def certificate_bundle(request, token: str):
    """The inclusion bundle to check offline: `yimen ledger verify --bundle bundle.json`."""
    cert = _certificate(token)
    proof = selectors.ledger_proof(cert.ledger_index)
    if proof is None:
        raise Http404
    return JsonResponse(proof, json_dumps_params={"ensure_ascii": False, "indent": 2})


def document_verify(request, number: str, token: str):
    """Public: what a result document's QR code opens (证明、批文). The applicant is masked; the ledger proof
    shows the decision was recorded. A wrong token is a 404, as is a case that gave no such document."""
    try:
        case = selectors.result_document_by_number(number)
    except NotFound:
        raise Http404 from None
    if not hmac.compare_digest(token, certificates.document_token(case)):
        raise Http404
    url = certificates.document_verify_url(case, request)
    applicant, applicant_id = certificates.applicant_label(case)
    decision = case.history.filter(to_status="approved").order_by("-at").first()
    return render(
        request,
        "cases/document_verify.html",
        {
            "case": case,
            "applicant": applicant,
            "applicant_id": applicant_id,
            "qr": certificates.qr_svg(url),
            "url": url,
            "proof": selectors.ledger_proof(decision.ledger_index if decision else None),
        },
    )
