"""API shapes. Output is masked: applicants' names and ID numbers never leave in full."""

from __future__ import annotations

import copy

from rest_framework import serializers

from yimen.cases import deadlines, workflow
from yimen.cases.models import (
    Case,
    CaseMaterial,
    CaseStep,
    Certificate,
    Channel,
    DeliveryMethod,
    Status,
    StatusChange,
)
from yimen.common.masking import MASKERS, mask_id_number, mask_name


def applicant_view(case: Case) -> dict:
    if case.applicant_person_id:
        p = case.applicant_person
        return {"kind": "person", "name": mask_name(p.name), "id_number": mask_id_number(p.id_number)}
    e = case.applicant_enterprise
    return {"kind": "enterprise", "name": e.name, "uscc": e.uscc}


def form_masked(data: dict) -> dict:
    return {k: MASKERS[k](v) if k in MASKERS and isinstance(v, str) else v for k, v in (data or {}).items()}


def certificate_view(case: Case, request=None) -> dict | None:
    if case.status not in (Status.APPROVED, Status.DELIVERED):
        return None  # only a decided case can have one: no query
    cert = Certificate.objects.filter(case=case).first()
    if cert is None:
        return None
    from yimen.cases.certificates import verify_url

    return {"number": cert.number, "verify_url": verify_url(cert, request)}


class FieldsOnce:
    """A ModelSerializer builds its fields by introspecting the model every time one is instantiated
    (several per case answer); these answers' fields depend on nothing but the class, so each class builds
    them once and every instance gets a copy (what DRF does with declared fields anyway)."""

    def get_fields(self):
        cls = type(self)
        proto = cls.__dict__.get("_fields_proto")
        if proto is None:
            proto = super().get_fields()
            cls._fields_proto = proto
        return copy.deepcopy(proto)


class MaterialOut(FieldsOnce, serializers.ModelSerializer):
    upload_sha256 = serializers.CharField(source="upload.sha256", default=None)

    class Meta:
        model = CaseMaterial
        fields = ["key", "name", "required", "source", "state", "reuse_ref", "reuse_label", "upload_sha256"]


class StepOut(FieldsOnce, serializers.ModelSerializer):
    done_by = serializers.CharField(source="done_by.full_name", default=None)

    class Meta:
        model = CaseStep
        fields = ["order", "code", "name", "done_by", "done_at", "opinion", "outcome"]


class HistoryOut(FieldsOnce, serializers.ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "note", "at", "ledger_index"]


class FlagsOut(serializers.Serializer):
    due_soon = serializers.BooleanField()
    overdue = serializers.BooleanField()
    days_left = serializers.IntegerField(allow_null=True)


class CaseListOut(FieldsOnce, serializers.ModelSerializer):
    item = serializers.CharField(source="item.implementation_code")
    item_name = serializers.CharField(source="version.name")
    department = serializers.CharField(source="department.code")
    applicant = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "item",
            "item_name",
            "department",
            "status",
            "channel",
            "applicant",
            "submitted_at",
            "accepted_at",
            "decided_at",
            "due_date",
            "flags",
        ]

    def get_applicant(self, case) -> dict:
        return applicant_view(case)

    def get_flags(self, case) -> dict:
        return FlagsOut(deadlines.flags(case, deadlines.today())).data


class CaseOut(CaseListOut):
    version = serializers.IntegerField(source="version.number")
    status_label = serializers.SerializerMethodField()
    form_data = serializers.SerializerMethodField()
    materials = MaterialOut(many=True)
    steps = StepOut(many=True)
    history = HistoryOut(many=True)
    certificate = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListOut.Meta):
        fields = [
            *CaseListOut.Meta.fields,
            "version",
            "status_label",
            "form_data",
            "statutory_due_date",
            "paused_days",
            "extended_days",
            "extension_reason",
            "current_step",
            "correction_request",
            "reason",
            "materials",
            "steps",
            "history",
            "certificate",
            "allowed_actions",
        ]

    def get_status_label(self, case) -> str:
        return workflow.status_label(case.status)

    def get_form_data(self, case) -> dict:
        return form_masked(case.form_data)

    def get_certificate(self, case) -> dict | None:
        return certificate_view(case, self.context.get("request"))

    def get_allowed_actions(self, case) -> list[str]:
        return workflow.allowed_actions(case.status)


_DATETIME, _DATE = serializers.DateTimeField(), serializers.DateField()


def case_answer(case: Case, request=None) -> dict:
    """`CaseOut(case).data`, built directly: the same keys in the same order, the same values (DRF's own
    date and time fields format them), a tenth of the CPU (a serializer tree copies and walks some fifty
    field objects per case). The submission answer uses it; `CaseOut` stays the schema, and
    tests/test_answer.py holds the two equal for a case in every status. Materials, steps and history
    come from `case`'s prefetched rows when it has them (a case just filed does)."""
    dt, date = _DATETIME.to_representation, _DATE.to_representation
    return {
        "id": case.pk,
        "number": None if case.number is None else str(case.number),
        "item": str(case.item.implementation_code),
        "item_name": str(case.version.name),
        "department": str(case.department.code),
        "status": str(case.status),
        "channel": str(case.channel),
        "applicant": applicant_view(case),
        "submitted_at": dt(case.submitted_at),
        "accepted_at": dt(case.accepted_at),
        "decided_at": dt(case.decided_at),
        "due_date": date(case.due_date),
        "flags": _flags(case),
        "version": int(case.version.number),
        "status_label": workflow.status_label(case.status),
        "form_data": form_masked(case.form_data),
        "statutory_due_date": date(case.statutory_due_date),
        "paused_days": int(case.paused_days),
        "extended_days": int(case.extended_days),
        "extension_reason": str(case.extension_reason),
        "current_step": int(case.current_step),
        "correction_request": str(case.correction_request),
        "reason": str(case.reason),
        "materials": [
            {
                "key": str(m.key),
                "name": str(m.name),
                "required": bool(m.required),
                "source": str(m.source),
                "state": str(m.state),
                "reuse_ref": str(m.reuse_ref),
                "reuse_label": str(m.reuse_label),
                "upload_sha256": None if m.upload is None else str(m.upload.sha256),
            }
            for m in case.materials.all()
        ],
        "steps": [
            {
                "order": int(s.order),
                "code": str(s.code),
                "name": str(s.name),
                "done_by": None if s.done_by is None else str(s.done_by.full_name),
                "done_at": dt(s.done_at),
                "opinion": str(s.opinion),
                "outcome": str(s.outcome),
            }
            for s in case.steps.all()
        ],
        "history": [
            {
                "from_status": str(h.from_status),
                "to_status": str(h.to_status),
                "note": str(h.note),
                "at": dt(h.at),
                "ledger_index": None if h.ledger_index is None else int(h.ledger_index),
            }
            for h in case.history.all()
        ],
        "certificate": certificate_view(case, request),
        "allowed_actions": workflow.allowed_actions(case.status),
    }


def _flags(case: Case) -> dict:
    f = deadlines.flags(case, deadlines.today())
    return {
        "due_soon": bool(f.due_soon),
        "overdue": bool(f.overdue),
        "days_left": None if f.days_left is None else int(f.days_left),
    }


class SuppliedIn(serializers.Serializer):
    upload = serializers.IntegerField(required=False, min_value=1)
    paper = serializers.BooleanField(required=False, default=False)


class SubmitIn(serializers.Serializer):
    item = serializers.CharField(max_length=64, help_text="事项实施编码 implementation code")
    channel = serializers.ChoiceField(choices=Channel.choices)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    form_data = serializers.DictField(required=False, default=dict)
    materials = serializers.DictField(child=SuppliedIn(), required=False, default=dict)


class AcceptIn(serializers.Serializer):
    paper = serializers.ListField(child=serializers.SlugField(), required=False, default=list)


class CorrectionIn(serializers.Serializer):
    missing = serializers.ListField(child=serializers.SlugField(), allow_empty=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ResubmitIn(serializers.Serializer):
    materials = serializers.DictField(child=SuppliedIn())


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class OptionalReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class StepIn(serializers.Serializer):
    step = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    opinion = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RejectIn(serializers.Serializer):
    step = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=1000)


class ExtendIn(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField(max_length=1000)


class DeliverIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    tracking_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class RateIn(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UploadIn(serializers.Serializer):
    file = serializers.FileField()


class UploadOut(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class CertificateVerifyOut(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()
    holder = serializers.CharField()
    holder_id = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    valid = serializers.BooleanField()
    ledger_index = serializers.IntegerField(allow_null=True)


class SatisfactionOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    ratings = serializers.IntegerField()
    average = serializers.FloatField()
    satisfied_rate = serializers.FloatField()


class ThemeSubmitIn(serializers.Serializer):
    theme = serializers.SlugField(max_length=64)
    channel = serializers.ChoiceField(choices=Channel.choices)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    forms = serializers.DictField(child=serializers.DictField(), required=False, default=dict)
    materials = serializers.DictField(child=SuppliedIn(), required=False, default=dict)


class ThemeOut(serializers.Serializer):
    id = serializers.IntegerField(source="application.id")
    number = serializers.CharField(source="application.number")
    theme = serializers.CharField(source="application.theme.code")
    theme_name = serializers.CharField(source="application.theme.name")
    accepted_at = serializers.DateTimeField(source="application.accepted_at", allow_null=True)
    due_date = serializers.DateField(source="application.due_date", allow_null=True)
    done = serializers.BooleanField()
    finished = serializers.BooleanField()
    materials_before = serializers.IntegerField()
    materials_after = serializers.IntegerField()
    cases = CaseListOut(many=True)
