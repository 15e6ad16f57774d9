from django.urls import path

from yimen.catalog.api import views

app_name = "catalog"
urlpatterns = [
    path("items/", views.ItemListView.as_view(), name="item-list"),
    path("items/<str:implementation_code>/", views.ItemDetailView.as_view(), name="item-detail"),
    path(
        "items/<str:implementation_code>/versions/", views.ItemVersionListView.as_view(), name="item-versions"
    ),
    path(
        "items/<str:implementation_code>/drafts/",
        views.ItemDraftCreateView.as_view(),
        name="item-draft-create",
    ),
    path("themes/", views.ThemeListView.as_view(), name="theme-list"),
    path("themes/<slug:code>/", views.ThemeDetailView.as_view(), name="theme-detail"),
    path("life-stages/", views.LifeStageListView.as_view(), name="life-stage-list"),
    path("drafts/", views.DraftListView.as_view(), name="draft-list"),
    path("drafts/<int:pk>/", views.DraftDetailView.as_view(), name="draft-detail"),
    path("drafts/<int:pk>/publish/", views.DraftPublishView.as_view(), name="draft-publish"),
]
