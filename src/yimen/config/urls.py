from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "一门 Yimen 后台管理"
admin.site.site_title = "一门 Yimen"
admin.site.index_title = "后台数据管理 Back-office data"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/places/", include("yimen.places.urls")),
    path("api/registry/", include("yimen.registry.urls")),
    path("api/catalog/", include("yimen.catalog.urls")),
    path("api/cases/", include("yimen.cases.urls")),
    path("cases/", include("yimen.cases.page_urls")),
    path("api/events/", include("yimen.events.api.urls")),
    path("open311/v2/", include("yimen.events.open311_urls")),
    path("events/", include("yimen.events.urls")),
    path("ledger/", include("yimen.ledger.urls")),
    path("api/notify/", include("yimen.notify.api_urls")),
    path("notify/", include("yimen.notify.urls")),
    path("api/proactive/", include("yimen.proactive.api_urls")),
    path("proactive/", include("yimen.proactive.urls")),
    path("policies/", include("yimen.policies.urls")),
    path("accounts/", include("yimen.accounts.urls")),
    path("", include("yimen.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
