from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from bzpeer import api_errors
from bzpeer.health import healthz
from papers.catalogue.views import bench_constant


def favicon(request):
    # Browsers and feed readers ask for /favicon.ico whatever the pages name.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("papers.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("collections/", include("papers.curation.collection_urls")),
    # Before papers.urls, whose catch-all under /papers/ would take these addresses.
    path("", include("reviews.urls")),
    path("", include("papers.urls")),
]

# JSON under /api/, Django's pages elsewhere.
handler400 = api_errors.bad_request
handler403 = api_errors.permission_denied
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

if settings.BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("_bench/constant", bench_constant, name="bench-constant"))
