from django.urls import path

from yimen.cases import views

app_name = "cases"
urlpatterns = [
    path("apply/<str:code>/", views.apply, name="apply"),
    path("intake/", views.intake, name="intake"),
    path("intake/items/", views.intake_items, name="intake_items"),
    path("queue/", views.queue, name="queue"),
    path("mine/", views.mine, name="mine"),
    path("stats/", views.stats, name="stats"),
    path("themes/<int:pk>/", views.theme_detail, name="theme_detail"),
    path("themes/intake/<slug:code>/", views.theme_intake, name="theme_intake"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.case_act, name="act"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/result.pdf", views.result_document, name="result_document"),
    path("verify/<str:token>/", views.certificate_verify, name="certificate_verify"),
    path("verify/<str:token>/print/", views.certificate_print, name="certificate_print"),
    path("verify/<str:token>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("verify/<str:token>/bundle.json", views.certificate_bundle, name="certificate_bundle"),
    path("documents/<str:number>/<str:token>/", views.document_verify, name="document_verify"),
]
