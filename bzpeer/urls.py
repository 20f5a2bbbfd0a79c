from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from papers.views import bench_constant

from .health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("papers.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("collections/", include("papers.urls_collections")),
    path("", include("papers.urls")),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("_bench/constant", bench_constant, name="bench-constant"))
