from django.urls import path

from yimen.registry import api

app_name = "registry"
urlpatterns = [
    path("persons/", api.PersonListApi.as_view(), name="person-list"),
    path("persons/<int:pk>/", api.PersonDetailApi.as_view(), name="person-detail"),
    path("persons/<int:pk>/reveal/", api.PersonRevealApi.as_view(), name="person-reveal"),
    path("persons/<int:pk>/reads/", api.PersonReadsApi.as_view(), name="person-reads"),
    path("persons/<int:pk>/sources/", api.PersonSourcesApi.as_view(), name="person-sources"),
    path("persons/<int:pk>/lineage/", api.PersonLineageApi.as_view(), name="person-lineage"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("me/sources/", api.MySourcesApi.as_view(), name="my-sources"),
    path("me/reads/", api.MyReadsApi.as_view(), name="my-reads"),
    path("enterprises/", api.EnterpriseListApi.as_view(), name="enterprise-list"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailApi.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/sources/", api.EnterpriseSourcesApi.as_view(), name="enterprise-sources"),
    path("enterprises/<int:pk>/lineage/", api.EnterpriseLineageApi.as_view(), name="enterprise-lineage"),
    path("enterprises/<int:pk>/reveal/", api.EnterpriseRevealApi.as_view(), name="enterprise-reveal"),
]
