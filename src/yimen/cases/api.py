"""The cases REST API (mounted at /api/cases/): input serializer -> service -> output serializer.

Errors answer in the common shape {code, detail, errors}; a case outside the caller's scope is 404; an
action the transition table forbids is 409. Submission honours an `Idempotency-Key` header.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.cases import selectors, serializers, services
from yimen.cases.certificates import holder_label
from yimen.cases.deadlines import today

TAGS = ["cases"]


class CaseListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="办件列表 Cases in my scope",
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=serializers.CaseListOut(many=True),
    )
    def get(self, request):
        qs = selectors.cases_visible(request.user)
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs.order_by("-submitted_at", "-id"), request, view=self)
        return paginator.get_paginated_response(serializers.CaseListOut(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="提交申请 Submit an application",
        description="窗口(综合窗口人员代申请人)或网上提交。Idempotency-Key: a retry returns the first case (200).",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        request=serializers.SubmitIn,
        responses={201: serializers.CaseOut, 200: serializers.CaseOut},
    )
    def post(self, request):
        data = serializers.SubmitIn(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        case = services.case_submit(actor=request.user, idempotency_key=key, **data.validated_data)
        existed = case.replayed
        # A new case is answered from the object just written (its item, version, department, applicant,
        # materials and history are already attached); a replay is read again, in the caller's scope.
        # The answer is `CaseOut`'s, built without the serializer tree (see `case_answer`).
        if existed:
            case = selectors.case_get(user=request.user, pk=case.pk)
        return Response(
            serializers.case_answer(case, request),
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class CaseDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="办件详情 Case", responses=serializers.CaseOut)
    def get(self, request, pk: int):
        case = selectors.case_get(user=request.user, pk=pk)
        return Response(serializers.CaseOut(case, context={"request": request}).data)


def _action(name: str, summary: str, input_class, call):
    """One POST endpoint per verb: parse, find the case in scope (404), call the service, answer the case."""

    class ActionApi(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(tags=TAGS, summary=summary, request=input_class, responses=serializers.CaseOut)
        def post(self, request, pk: int):
            data = input_class(data=request.data)
            data.is_valid(raise_exception=True)
            case = selectors.case_get(user=request.user, pk=pk)
            call(case=case, actor=request.user, **data.validated_data)
            case = selectors.case_get(user=request.user, pk=pk)
            return Response(serializers.CaseOut(case, context={"request": request}).data)

    ActionApi.__name__ = ActionApi.__qualname__ = f"Case{name}Api"
    return ActionApi


CaseAcceptApi = _action("Accept", "受理 Accept", serializers.AcceptIn, services.case_accept)
CaseCorrectionApi = _action(
    "Correction",
    "一次性告知补正 Request correction",
    serializers.CorrectionIn,
    services.case_request_correction,
)
CaseResubmitApi = _action("Resubmit", "补正材料 Resubmit", serializers.ResubmitIn, services.case_resubmit)
CaseRefuseApi = _action("Refuse", "不予受理 Refuse", serializers.ReasonIn, services.case_refuse)
CaseWithdrawApi = _action("Withdraw", "撤回 Withdraw", serializers.OptionalReasonIn, services.case_withdraw)
CaseStepApi = _action("Step", "完成审批环节 Complete a step", serializers.StepIn, services.case_step_complete)
CaseApproveApi = _action("Approve", "准予办理 Approve", serializers.StepIn, services.case_approve)
CaseRejectApi = _action("Reject", "不予办理 Reject", serializers.RejectIn, services.case_reject)
CaseExtendApi = _action("Extend", "延期 Extend the time limit", serializers.ExtendIn, services.case_extend)
CaseDeliverApi = _action("Deliver", "出件 Deliver", serializers.DeliverIn, services.case_deliver)


class CaseRateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="好差评 Rate", request=serializers.RateIn, responses={201: serializers.RateIn}
    )
    def post(self, request, pk: int):
        data = serializers.RateIn(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_get(user=request.user, pk=pk)
        rating = services.case_rate(case=case, actor=request.user, **data.validated_data)
        return Response({"score": rating.score, "comment": rating.comment}, status=status.HTTP_201_CREATED)


class UploadApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        summary="上传材料 Upload a material (PDF/JPEG/PNG, ≤ 20 MB)",
        request={"multipart/form-data": serializers.UploadIn},
        responses={201: serializers.UploadOut},
    )
    def post(self, request):
        data = serializers.UploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.upload_store(actor=request.user, file=data.validated_data["file"])
        return Response(serializers.UploadOut(upload).data, status=status.HTTP_201_CREATED)


class QueueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="审批队列(按到期日) Approver queue by deadline",
        responses=serializers.CaseListOut(many=True),
    )
    def get(self, request):
        rows = selectors.approver_queue(request.user, today=today())
        return Response(serializers.CaseListOut([r.case for r in rows], many=True).data)


class SatisfactionApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="好差评统计 Satisfaction per department or item",
        parameters=[OpenApiParameter("by", str, enum=["department", "item"])],
        responses=serializers.SatisfactionOut(many=True),
    )
    def get(self, request):
        by = "item" if request.query_params.get("by") == "item" else "department"
        return Response(serializers.SatisfactionOut(selectors.satisfaction(by=by), many=True).data)


def _certificate_out(cert) -> dict:
    holder, holder_id = holder_label(cert)
    return serializers.CertificateVerifyOut(
        {
            "number": cert.number,
            "name": cert.name,
            "holder": holder,
            "holder_id": holder_id,
            "issuer": cert.issuer.name,
            "issued_on": cert.issued_on,
            "valid_until": cert.valid_until,
            "state": cert.state,
            "valid": cert.is_valid_on(today()),
            "ledger_index": cert.ledger_index,
        }
    ).data


class CertificateVerifyApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS, summary="电子证照核验 Verify a certificate", responses=serializers.CertificateVerifyOut
    )
    def get(self, request, token: str):
        return Response(_certificate_out(selectors.certificate_by_token(token)))


class ThemeSubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="主题办申请 Apply for a theme (one sub-case per item, approved in parallel)",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        request=serializers.ThemeSubmitIn,
        responses={201: serializers.ThemeOut},
    )
    def post(self, request):
        data = serializers.ThemeSubmitIn(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.theme_submit(
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            **data.validated_data,
        )
        progress = selectors.theme_application_get(user=request.user, pk=app.pk)
        return Response(serializers.ThemeOut(progress).data, status=status.HTTP_201_CREATED)


class ThemeDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="主题办件进度 Theme application", responses=serializers.ThemeOut)
    def get(self, request, pk: int):
        return Response(serializers.ThemeOut(selectors.theme_application_get(user=request.user, pk=pk)).data)


class ThemeAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="主题办受理 Accept all sub-cases",
        request=serializers.AcceptIn,
        responses=serializers.ThemeOut,
    )
    def post(self, request, pk: int):
        data = serializers.AcceptIn(data=request.data)
        data.is_valid(raise_exception=True)
        progress = selectors.theme_application_get(user=request.user, pk=pk)
        services.theme_accept(application=progress.application, actor=request.user, **data.validated_data)
        return Response(serializers.ThemeOut(selectors.theme_application_get(user=request.user, pk=pk)).data)


class CertificateRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="注销电子证照 Revoke a certificate (issuing department)",
        request=serializers.ReasonIn,
        responses=serializers.CertificateVerifyOut,
    )
    def post(self, request, token: str):
        data = serializers.ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        cert = services.certificate_revoke(
            certificate=selectors.certificate_by_token(token), actor=request.user, **data.validated_data
        )
        return Response(_certificate_out(selectors.certificate_by_token(cert.verify_token)))
