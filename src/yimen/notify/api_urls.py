from django.urls import path

from yimen.notify import api

app_name = "notify-api"
urlpatterns = [
    path("", api.NotificationListApi.as_view(), name="list"),
    path("read-all/", api.NotificationReadAllApi.as_view(), name="read-all"),
    path("<int:pk>/read/", api.NotificationReadApi.as_view(), name="read"),
    path("preferences/", api.PreferenceApi.as_view(), name="preferences"),
    path("templates/", api.TemplateListApi.as_view(), name="templates"),
    path("campaigns/", api.CampaignListApi.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/", api.CampaignDetailApi.as_view(), name="campaign"),
    path("campaigns/<int:pk>/start/", api.CampaignStartApi.as_view(), name="campaign-start"),
]
