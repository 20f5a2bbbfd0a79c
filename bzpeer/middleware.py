"""Requests refused before any view sees them."""

from django.http import HttpRequest, HttpResponse

from bzpeer.api_errors import api_error, is_api

NUL_REFUSED = "Addresses may not contain NUL characters."


def nul_free_paths(get_response):
    """A NUL character cannot be stored or looked up (PostgreSQL refuses it in text), so an
    address carrying one ("/topics/%00/") is a bad request, not a server error."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            if is_api(request):
                return api_error(NUL_REFUSED, 400)
            return HttpResponse(
                NUL_REFUSED,
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return get_response(request)

    return middleware
