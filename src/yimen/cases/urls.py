from django.urls import path

from yimen.cases import api

app_name = "cases-api"
urlpatterns = [
    path("", api.CaseListApi.as_view(), name="list"),
    path("uploads/", api.UploadApi.as_view(), name="upload"),
    path("queue/", api.QueueApi.as_view(), name="queue"),
    path("satisfaction/", api.SatisfactionApi.as_view(), name="satisfaction"),
    path("certificates/<str:token>/", api.CertificateVerifyApi.as_view(), name="certificate-verify"),
    path("certificates/<str:token>/revoke/", api.CertificateRevokeApi.as_view(), name="certificate-revoke"),
    path("themes/", api.ThemeSubmitApi.as_view(), name="theme-submit"),
    path("themes/<int:pk>/", api.ThemeDetailApi.as_view(), name="theme-detail"),
    path("themes/<int:pk>/accept/", api.ThemeAcceptApi.as_view(), name="theme-accept"),
    path("<int:pk>/", api.CaseDetailApi.as_view(), name="detail"),
    path("<int:pk>/accept/", api.CaseAcceptApi.as_view(), name="accept"),
    path("<int:pk>/request-correction/", api.CaseCorrectionApi.as_view(), name="request-correction"),
    path("<int:pk>/resubmit/", api.CaseResubmitApi.as_view(), name="resubmit"),
    path("<int:pk>/refuse/", api.CaseRefuseApi.as_view(), name="refuse"),
    path("<int:pk>/withdraw/", api.CaseWithdrawApi.as_view(), name="withdraw"),
    path("<int:pk>/steps/complete/", api.CaseStepApi.as_view(), name="step-complete"),
    path("<int:pk>/approve/", api.CaseApproveApi.as_view(), name="approve"),
    path("<int:pk>/reject/", api.CaseRejectApi.as_view(), name="reject"),
    path("<int:pk>/extend/", api.CaseExtendApi.as_view(), name="extend"),
    path("<int:pk>/deliver/", api.CaseDeliverApi.as_view(), name="deliver"),
    path("<int:pk>/rate/", api.CaseRateApi.as_view(), name="rate"),
]
