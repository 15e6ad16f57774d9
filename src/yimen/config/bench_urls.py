"""URLconf of `yimen.config.settings.bench` only: the normal site plus the benchmark floor endpoint."""

from django.urls import path

from yimen.benchfloor.views import floor
from yimen.config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench/floor", floor, name="bench-floor"), *site_urlpatterns]
