"""Errors under /api/ are JSON like every other API answer (``{"detail": "…"}``), whatever
answers them: an address no API view matches (a malformed id), a server error, a request
refused before any view. Everywhere else Django's pages answer as before."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error("Bad request.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error("You do not have permission to perform this action.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        # A path that matches no operation, or an id in it that is not one (an arXiv id, a
        # number): the schema lists what exists.
        return api_error("Not found: no such API address (see /api/schema/).", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error("Server error. Try again in a moment.", 500)
    return defaults.server_error(request)
