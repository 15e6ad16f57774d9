"""The staff page (/ledger/): the latest signed checkpoint, recent entries for a subject, and "verify this
record", which rebuilds the inclusion proof from the store and checks it server-side against the signed
checkpoint, the way an outside verifier would."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from yimen.accounts.roles import LEDGER_VIEW
from yimen.common.errors import DomainError
from yimen.ledger import bundle, keys, selectors, services

RECENT = 50


@login_required
def staff_page(request):
    if not request.user.can(LEDGER_VIEW):
        raise DjangoPermissionDenied
    subject = request.GET.get("subject", "").strip()[:200]
    ctx: dict = {"subject": subject, "public_keys": selectors.public_keys(), "size": selectors.log_size()}
    try:
        ctx["checkpoint"] = services.checkpoint_current()
        ctx["entries"] = (
            selectors.entries_for_subject(subject=subject, limit=RECENT)
            if subject
            else selectors.entries_recent(limit=RECENT)
        )
        verify = request.GET.get("verify", "")
        if verify:
            ctx["verification"] = _verify(verify)
    except DomainError as exc:
        ctx["error"] = exc.message
    return render(request, "ledger/staff.html", ctx)


def _verify(raw_index: str) -> dict:
    if not raw_index.isdigit():
        return {"ok": False, "problem": _("序号应为非负整数")}
    data = selectors.inclusion_bundle(int(raw_index))
    result = {"bundle": data, "bundle_json": json.dumps(data, ensure_ascii=False, indent=2)}
    witnesses = (keys.witness_signer().verifier(),) if keys.witness_enabled() else ()
    try:
        check = bundle.bundle_verify(data, keys.log_verifier(), witnesses=witnesses)
    except ValueError as exc:
        return {**result, "ok": False, "problem": str(exc)}
    return {**result, "ok": True, "verified_by": check.verified_by}
