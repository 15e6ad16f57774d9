from django.urls import path

from yimen.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/open/", views.open_action, name="open"),
    path("preferences/", views.preferences, name="preferences"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/progress/", views.campaign_progress, name="campaign_progress"),
    path("campaigns/<int:pk>/start/", views.campaign_start, name="campaign_start"),
]
