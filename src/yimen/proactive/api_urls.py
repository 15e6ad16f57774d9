from django.urls import path

from yimen.proactive import api

app_name = "proactive-api"
urlpatterns = [
    path("tags/", api.TagListApi.as_view(), name="tags"),
    path("persons/<int:pk>/tags/", api.PersonTagsApi.as_view(), name="person-tags"),
    path("segments/count", api.SegmentCountApi.as_view(), name="segment-count"),
    path("segments/list", api.SegmentListApi.as_view(), name="segment-list"),
    path("segments/export", api.SegmentExportApi.as_view(), name="segment-export"),
    path("segments/", api.SavedSegmentListApi.as_view(), name="segments"),
]
