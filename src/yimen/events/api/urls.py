from django.urls import path

from yimen.events.api import views

app_name = "events-api"
urlpatterns = [
    path("reports/", views.ReportCreateApi.as_view(), name="report-create"),
    path("reports/<str:number>/rate/", views.ReportRateApi.as_view(), name="report-rate"),
    path("receipts/<str:token>/", views.ReceiptApi.as_view(), name="receipt"),
    path("events/", views.EventListApi.as_view(), name="event-list"),
    path("events/<str:number>/", views.EventDetailApi.as_view(), name="event-detail"),
    path("events/<str:number>/<slug:action>/", views.EventActionApi.as_view(), name="event-action"),
    path("joint/", views.JointPendingApi.as_view(), name="joint-pending"),
    path("joint/<int:pk>/decide/", views.JointDecideApi.as_view(), name="joint-decide"),
    path("joint-tasks/<int:pk>/complete/", views.JointTaskCompleteApi.as_view(), name="joint-task-complete"),
    path("sensors/readings/", views.SensorReadingApi.as_view(), name="sensor-reading"),
    path("routing-rules/", views.RoutingRuleListApi.as_view(), name="routing-rules"),
    path("routing-rules/<int:pk>/", views.RoutingRuleDetailApi.as_view(), name="routing-rule"),
    path("routing-rules/<int:pk>/move/", views.RoutingRuleMoveApi.as_view(), name="routing-rule-move"),
]
