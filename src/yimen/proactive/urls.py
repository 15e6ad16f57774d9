from django.urls import path

from yimen.proactive import views

app_name = "proactive"
urlpatterns = [
    path("tags/", views.tag_library, name="tags"),
    path("persons/<int:pk>/tags/", views.person_tags, name="person_tags"),
    path("segments/", views.segment_builder, name="segments"),
    path("segments/result/", views.segment_result, name="segment_result"),
    path("segments/export/", views.segment_export, name="segment_export"),
    path("segments/save/", views.segment_save, name="segment_save"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("triggers/", views.trigger_library, name="triggers"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:pk>/apply/", views.offer_apply, name="offer_apply"),
    path("offers/<int:pk>/dismiss/", views.offer_dismiss, name="offer_dismiss"),
]
