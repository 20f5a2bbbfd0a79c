"""Requests refused before any view sees them."""

from django.http import HttpRequest, HttpResponse


def nul_free_paths(get_response):
    """A NUL character cannot be stored or looked up (PostgreSQL refuses it in text), so an
    address carrying one ("/topics/%00/") is a bad request, not a server error."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return HttpResponse(
                "Addresses may not contain NUL characters.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return get_response(request)

    return middleware
