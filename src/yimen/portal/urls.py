from django.urls import path

from yimen.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("stages/<slug:code>/", views.stage, name="stage"),
    path("departments/", views.departments, name="departments"),
    path("departments/<str:code>/", views.department, name="department"),
    path("items/<str:code>/", views.item_guide, name="item"),
    path("themes/", views.themes, name="themes"),
    path("themes/<str:code>/", views.theme, name="theme"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/registry/", views.registry_lookup, name="registry_lookup"),
    path(
        "workbench/registry/persons/<int:pk>/lineage/",
        views.registry_person_lineage,
        name="registry_person_lineage",
    ),
]
