from django.urls import path

from yimen.places import api

app_name = "places"
urlpatterns = [
    path("divisions/", api.DivisionListApi.as_view(), name="division-list"),
    path("divisions/<str:code>/", api.DivisionDetailApi.as_view(), name="division-detail"),
    path("divisions/<str:code>/geojson", api.DivisionGeoJsonApi.as_view(), name="division-geojson"),
    path("grids.geojson", api.GridsGeoJsonApi.as_view(), name="grids-geojson"),
    path("locate", api.LocateApi.as_view(), name="locate"),
    path("departments/", api.DepartmentListApi.as_view(), name="department-list"),
    path("departments/<str:code>/", api.DepartmentDetailApi.as_view(), name="department-detail"),
]
