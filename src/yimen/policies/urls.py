from django.urls import path

from yimen.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.library, name="library"),
    path("mine/", views.mine, name="mine"),
    path("matches/<int:pk>/apply/", views.apply, name="apply"),
    path("matches/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/rematch/", views.rematch, name="rematch"),
]
