from django.urls import path

from yimen.events import views

app_name = "events"
urlpatterns = [
    path("report/", views.report_citizen, name="report"),
    path("grid/report/", views.report_grid, name="report-grid"),
    path("hotline/", views.report_hotline, name="report-hotline"),
    path("track/<str:token>/", views.track, name="track"),
    path("mine/", views.mine, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/stream/", views.inbox_stream, name="inbox-stream"),
    path("command/", views.board, name="board"),
    path("triage/", views.triage, name="triage"),
    path("stats/", views.stats, name="stats"),
    path("rules/", views.rules, name="rules"),
    path("e/<str:number>/", views.detail, name="detail"),
    path("e/<str:number>/contact/", views.contact_reveal, name="contact-reveal"),
    path("e/<str:number>/<slug:action>/", views.act, name="act"),
]
